// PostgreSQL scenario 1: the latency of one awaited save at a time. Every contender's table
// holds the same `size` rows; each save upserts one row, alternately an existing one (picked
// at random, one round further) and a new one, the same sequence for every contender. The
// contenders take turns save by save, in an order rotated every round, after unmeasured
// warm-up saves (JIT, the pools' connections, the prepared statements).
import { seededRandom } from "../test/support/seeded-random.mjs";
import { percentile, since, summarize } from "./stats.mjs";

/**
 * @param {object} options
 * @param {{ contender: object, handle: object }[]} options.cells open, populated contenders
 * @param {number} options.size rows already in each table
 * @param {number} options.warmup unmeasured saves per contender
 * @param {number} options.samples measured saves per contender
 * @param {(line: string) => void} options.log
 * @returns {Promise<{ contender: string, n: number, p50: number, p95: number, p99: number, max: number }[]>}
 */
export async function measurePostgresSaves({ cells, size, warmup, samples, log }) {
  const runs = cells.map(({ contender, handle }) => {
    const next = seededRandom(size);
    let added = 0;
    const pick = (k) =>
      k % 2 === 0
        ? contender.input(Math.floor(next() * size), k + 1)
        : contender.input(size + added++);
    return { contender, handle, pick, durations: [] };
  });
  for (let k = 0; k < warmup + samples; k++) {
    for (let i = 0; i < runs.length; i++) {
      const run = runs[(i + k) % runs.length];
      const input = run.pick(k);
      const start = performance.now();
      await run.handle.save(input);
      if (k >= warmup) run.durations.push(since(start));
    }
  }
  return runs.map(({ contender, durations }) => {
    const summary = latencySummary(durations);
    log(
      `  ${contender.name}: p50 ${summary.p50.toFixed(3)} ms, p99 ${summary.p99.toFixed(3)} ms (n=${summary.n})`,
    );
    return { contender: contender.name, ...summary };
  });
}

/** `summarize` with p99: n, p50, p95, p99, mean, min, max (the worst). */
export function latencySummary(durations) {
  const summary = summarize(durations);
  const sorted = [...durations].sort((a, b) => a - b);
  return { ...summary, p99: percentile(sorted, 99) };
}

/** Each percentile of `name` over the same percentile of `baseline`. */
export function latencyRatios(results, name, baseline) {
  const [ours, theirs] = [name, baseline].map((n) => results.find((r) => r.contender === n));
  return Object.fromEntries(
    ["p50", "p95", "p99", "max"].map((key) => [key, ours[key] / theirs[key]]),
  );
}
