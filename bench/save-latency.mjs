// Save latency at several database sizes, in steady state. At each size every contender's
// database is populated in one transaction and closed, then opened; the contenders take
// turns save by save, in an order rotated every round (postgres-save-latency.mjs), each
// save an upsert of one row, alternately an existing one (at random, one round further) and
// a new one, the same sequence for every contender. The unmeasured warm-up saves run past
// better-sqlite3's WAL growth: until its WAL file stops growing (about 150 saves after an
// open), each of its commits also extends the file, and its p50 is almost twice its
// steady-state one. Durable contenders for the save goal; in-memory ones (no I/O) for the
// work a save does in the process.
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { latencyRatios, measurePostgresSaves } from "./postgres-save-latency.mjs";

/**
 * @param {object} options
 * @param {string} options.folder
 * @param {number[]} options.sizes negotiations in each database before the first save
 * @param {object[]} options.contenders
 * @param {number} options.warmup unmeasured saves per contender and size
 * @param {number} options.samples measured saves per contender and size
 * @param {(line: string) => void} options.log
 * @returns {Promise<{ size: number, contender: string, n: number, p50: number, p95: number, p99: number, max: number }[]>}
 */
export async function measureSaveLatency({ folder, sizes, contenders, warmup, samples, log }) {
  const results = [];
  for (const size of sizes) {
    // A folder per size, removed after it: the databases of 50,000 rows take 600 MB.
    const sizeFolder = join(folder, `save-${size}`);
    const cells = [];
    await mkdir(sizeFolder);
    try {
      for (const contender of contenders) {
        const path = join(sizeFolder, `${contender.name}.db`);
        await contender.populate(path, size);
        cells.push({ contender, handle: await contender.open(path) });
      }
      log(`  ${size} rows`);
      for (const result of await measurePostgresSaves({ cells, size, warmup, samples, log })) {
        results.push({ size, ...result });
      }
    } finally {
      for (const { handle } of cells) await handle.close();
      await rm(sizeFolder, { recursive: true, force: true });
    }
  }
  return results;
}

/**
 * At each size, `ours`'s p50, p95, p99 and worst over each baseline's; and `ours`'s p50 at
 * the largest size over the smallest.
 *
 * @param {{ size: number, contender: string }[]} results of {@link measureSaveLatency}
 * @param {string} ours
 * @param {string[]} baselines
 */
export function saveRatios(results, ours, baselines) {
  const sizes = [...new Set(results.map((r) => r.size))].sort((a, b) => a - b);
  const at = (size) => results.filter((r) => r.size === size);
  const p50 = (size) => at(size).find((r) => r.contender === ours)?.p50 ?? Number.NaN;
  const [smallest, largest] = [sizes[0], sizes.at(-1)];
  return {
    bySize: sizes.map((size) => ({
      size,
      vs: Object.fromEntries(baselines.map((b) => [b, latencyRatios(at(size), ours, b)])),
    })),
    growth: { from: smallest, to: largest, ratio: p50(largest) / p50(smallest) },
  };
}
