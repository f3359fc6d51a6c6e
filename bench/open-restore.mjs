// Scenario 3: open a cleanly closed database and restore the active negotiations: this
// package's open + restoreActive() (rows rebuilt as domain objects) against better-sqlite3's
// open + SELECT of the active rows + JSON.parse of the four JSON columns.
import { join } from "node:path";
import { activeCount } from "./rows.mjs";
import { median, since } from "./stats.mjs";

/**
 * @param {object} options
 * @param {string} options.folder
 * @param {number} options.size negotiations in the database
 * @param {number} options.rounds timed opens per contender (after one unmeasured)
 * @param {object[]} options.contenders
 */
export async function measureOpenRestore({ folder, size, rounds, contenders, log }) {
  const results = [];
  for (const contender of contenders) {
    const path = join(folder, `open-${contender.name}.db`);
    await contender.populate(path, size);
    const durations = [];
    for (let round = 0; round <= rounds; round++) {
      const start = performance.now();
      const handle = await contender.open(path);
      const restored = await handle.restore();
      const duration = since(start);
      await handle.close();
      if (restored.length !== activeCount(size)) {
        throw new Error(`${contender.label} restored ${restored.length} of ${activeCount(size)}`);
      }
      if (round > 0) durations.push(duration);
    }
    const result = { size, contender: contender.name, medianMs: median(durations), durations };
    results.push(result);
    log(`  open + restore at ${size}: ${contender.label}: ${result.medianMs.toFixed(1)} ms`);
  }
  return results;
}
