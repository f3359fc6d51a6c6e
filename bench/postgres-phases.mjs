// Throughput, measured in timed phases: a phase runs `agents` concurrent loops of one
// operation each for a fixed time. The cells compared (contender x workload) take turns,
// phase by phase, in an order rotated every round, after one unmeasured phase each.

import { latencySummary } from "./postgres-save-latency.mjs";
import { median, since } from "./stats.mjs";

/**
 * @param {number} agents concurrent loops
 * @param {number} durationMs no loop starts an operation after this
 * @param {(agent: number, k: number) => Promise<unknown>} operation the k-th of an agent
 */
async function phase(agents, durationMs, operation) {
  const latencies = [];
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: agents }, async (_, agent) => {
      for (let k = 0; performance.now() < deadline; k++) {
        const begun = performance.now();
        await operation(agent, k);
        latencies.push(since(begun));
      }
    }),
  );
  return { operations: latencies.length, elapsedMs: since(start), latencies };
}

/**
 * @param {object} options
 * @param {{ key: string, agents: number, operation: (agent: number, k: number) => Promise<unknown> }[]} options.cells
 * @param {number} options.rounds measured phases per cell
 * @param {number} options.durationMs of a measured phase
 * @param {number} options.warmupMs of the unmeasured phase
 * @param {(line: string) => void} options.log
 * @returns {Promise<Record<string, { perSecond: number, roundsPerSecond: number[], operations: number, acknowledged: number, latency: object }>>}
 *   per cell: the median over rounds of operations per second, every round's, the
 *   operations measured, every operation that resolved (warm-up included), and the
 *   latency of one operation under that load
 */
export async function interleavedPhases({ cells, rounds, durationMs, warmupMs, log }) {
  const results = Object.fromEntries(
    cells.map((cell) => [cell.key, { rates: [], latencies: [], acknowledged: 0 }]),
  );
  const run = async (cell, ms) => {
    const outcome = await phase(cell.agents, ms, cell.operation);
    results[cell.key].acknowledged += outcome.operations;
    return outcome;
  };
  for (const cell of cells) await run(cell, warmupMs);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[(i + round) % cells.length];
      const { operations, elapsedMs, latencies } = await run(cell, durationMs);
      results[cell.key].rates.push((operations / elapsedMs) * 1000);
      // One by one: a spread of tens of thousands of arguments may overflow the stack.
      for (const latency of latencies) results[cell.key].latencies.push(latency);
    }
  }
  return Object.fromEntries(
    cells.map(({ key }) => {
      const { rates, latencies, acknowledged } = results[key];
      const summary = {
        perSecond: median(rates),
        roundsPerSecond: rates,
        operations: latencies.length,
        acknowledged,
        latency: latencySummary(latencies),
      };
      log(
        `  ${key}: ${summary.perSecond.toFixed(0)}/s, p50 ${summary.latency.p50.toFixed(3)} ms (n=${summary.operations})`,
      );
      return [key, summary];
    }),
  );
}

/**
 * The median over rounds of `a`'s rate over `b`'s in the same round: the two ran one right
 * after the other, so a load that comes and goes on the machine weighs on both alike.
 *
 * @param {{ roundsPerSecond: number[] }} a
 * @param {{ roundsPerSecond: number[] }} b
 */
export function pairedRatio(a, b) {
  return median(a.roundsPerSecond.map((rate, round) => rate / b.roundsPerSecond[round]));
}
