// Scenario 1: durable save latency at several database sizes. Each contender's database is
// populated in one transaction and closed; the timing starts from a clean open. Each save
// upserts one row, alternately an existing one (picked at random) and a new one, and is
// awaited before the next; the compared contenders take turns.
import { join } from "node:path";
import { since, summarize } from "./stats.mjs";

/** Unmeasured saves after the open, at most this many (and a third of the samples). */
const MAX_WARMUP_SAVES = 10;

/** A deterministic pseudo-random sequence (mulberry32), so every contender saves the same rows. */
function random(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * @param {object} options
 * @param {string} options.folder
 * @param {number[]} options.sizes existing negotiations
 * @param {{ contender: object, samples: number }[]} options.plans samples per contender
 * @param {number} options.budgetMs stop a (size, contender) cell after this long (at least 5 samples)
 * @param {(line: string) => void} options.log
 */
export async function measureSaveLatency({ folder, sizes, plans, budgetMs, log }) {
  const results = [];
  for (const size of sizes) {
    // Compared contenders take turns, one save each, so that a slow spell of the disk
    // falls on all of them alike; a contender marked `alone` runs after them.
    const together = plans.filter((plan) => !plan.alone);
    for (const group of [together, ...plans.filter((plan) => plan.alone).map((plan) => [plan])]) {
      if (group.length === 0) continue;
      const cells = [];
      for (const { contender, samples } of group) {
        const path = join(folder, `save-${contender.name}-${size}.db`);
        await contender.populate(path, size);
        const next = random(size);
        let added = 0;
        const pick = (k) =>
          k % 2 === 0
            ? contender.input(Math.floor(next() * size), k + 1)
            : contender.input(size + added++);
        cells.push({ contender, samples, pick, handle: await contender.open(path), durations: [] });
      }
      const rounds = Math.max(...cells.map((cell) => cell.samples));
      const warmup = Math.min(MAX_WARMUP_SAVES, Math.ceil(rounds / 3));
      for (let k = 0; k < warmup; k++) {
        for (const cell of cells) await cell.handle.save(cell.pick(k));
      }
      const started = performance.now();
      for (let k = 0; k < rounds; k++) {
        for (const cell of cells) {
          if (cell.durations.length >= cell.samples) continue;
          if (cell.durations.length >= 5 && since(started) > budgetMs) continue;
          const input = cell.pick(warmup + k);
          const start = performance.now();
          await cell.handle.save(input);
          cell.durations.push(since(start));
        }
      }
      for (const { contender, handle, durations } of cells) {
        await handle.close();
        const summary = summarize(durations);
        results.push({ size, contender: contender.name, ...summary });
        log(
          `  save at ${size}: ${contender.label}: p50 ${summary.p50.toFixed(3)} ms (n=${summary.n})`,
        );
      }
    }
  }
  return results;
}

/**
 * The ratios of issue 3 from the save results: at each size, journal p50 over
 * better-sqlite3's and over whole image's; and journal p50 at the largest size over the
 * smallest.
 */
export function saveRatios(results) {
  const p50 = (size, name) =>
    results.find((r) => r.size === size && r.contender === name)?.p50 ?? Number.NaN;
  const sizes = [...new Set(results.map((r) => r.size))].sort((a, b) => a - b);
  const [smallest, largest] = [sizes[0], sizes.at(-1)];
  return {
    bySize: sizes.map((size) => ({
      size,
      journalVsSqlite: p50(size, "journal") / p50(size, "sqlite"),
      journalVsWholeImage: p50(size, "journal") / p50(size, "wholeImage"),
    })),
    growth: {
      from: smallest,
      to: largest,
      ratio: p50(largest, "journal") / p50(smallest, "journal"),
    },
  };
}
