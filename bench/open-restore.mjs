// Open a cleanly closed database and restore the active negotiations: this package's open +
// restoreActive() (rows rebuilt as domain objects) against SQLite's open + SELECT of the
// active rows + JSON.parse of the four JSON columns. The contenders take turns, one open
// each per round, in an order rotated every round, after one unmeasured round: a slow spell
// of the machine (or a collection of the garbage the previous one left) falls on each alike.
import { join } from "node:path";
import { activeCount } from "./rows.mjs";
import { median, since } from "./stats.mjs";

/**
 * @param {object} options
 * @param {string} options.folder
 * @param {number} options.size negotiations in the database
 * @param {number} options.rounds measured rounds (each contender opens once in each)
 * @param {object[]} options.contenders
 * @param {(line: string) => void} options.log
 * @returns {Promise<{ size: number, contender: string, medianMs: number, durations: number[] }[]>}
 */
export async function measureOpenRestore({ folder, size, rounds, contenders, log }) {
  const path = (contender) => join(folder, `open-${contender.name}.db`);
  for (const contender of contenders) await contender.populate(path(contender), size);
  const durations = new Map(contenders.map((contender) => [contender, []]));
  for (let round = 0; round <= rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length];
      const start = performance.now();
      const handle = await contender.open(path(contender));
      const restored = await handle.restore();
      const duration = since(start);
      await handle.close();
      if (restored.length !== activeCount(size)) {
        throw new Error(`${contender.label} restored ${restored.length} of ${activeCount(size)}`);
      }
      if (round > 0) durations.get(contender).push(duration);
    }
  }
  return contenders.map((contender) => {
    const measured = durations.get(contender);
    const result = {
      size,
      contender: contender.name,
      medianMs: median(measured),
      durations: measured,
    };
    log(`  open + restore at ${size}: ${contender.label}: ${result.medianMs.toFixed(1)} ms`);
    return result;
  });
}

/**
 * `ours` against `baseline`: the ratio of the medians, and the median of each round's ratio.
 *
 * @param {{ contender: string, medianMs: number, durations: number[] }[]} results
 * @param {string} ours
 * @param {string} baseline
 */
export function openRestoreRatio(results, ours, baseline) {
  const [a, b] = [ours, baseline].map((name) => results.find((r) => r.contender === name));
  return {
    ofMedians: a.medianMs / b.medianMs,
    medianOfRounds: median(a.durations.map((d, round) => d / b.durations[round])),
  };
}
