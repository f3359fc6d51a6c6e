// 100 saves issued at once (Promise.all of store.save, which group commit can
// serve with few fsyncs) against 100 sequential better-sqlite3 autocommit upserts. Half the
// saves update existing rows, half add new ones; each round saves different threads.
import { join } from "node:path";
import { median, since } from "./stats.mjs";

const SAVES = 100;

/**
 * @param {object} options
 * @param {string} options.folder
 * @param {number} options.size existing negotiations
 * @param {number} options.rounds
 * @param {object} options.ours the contender whose saves run concurrently
 * @param {object} options.baseline the contender whose saves run one after the other
 */
export async function measureConcurrentSaves({ folder, size, rounds, ours, baseline, log }) {
  const batch = (contender, round) =>
    Array.from({ length: SAVES }, (_, k) =>
      k % 2 === 0
        ? contender.input((round * SAVES + k) % size, round + 1)
        : contender.input(size + round * SAVES + k),
    );
  const totals = { ours: [], baseline: [] };
  const oursHandle = await openPopulated(ours, join(folder, `concurrent-${ours.name}.db`), size);
  const baseHandle = await openPopulated(
    baseline,
    join(folder, `concurrent-${baseline.name}.db`),
    size,
  );
  // One unmeasured round each, then alternate rounds so both see the same machine state.
  for (let round = 0; round <= rounds; round++) {
    const inputs = batch(ours, round);
    let start = performance.now();
    await Promise.all(inputs.map((input) => oursHandle.save(input)));
    if (round > 0) totals.ours.push(since(start));

    const rows = batch(baseline, round);
    start = performance.now();
    for (const row of rows) await baseHandle.save(row);
    if (round > 0) totals.baseline.push(since(start));
  }
  await oursHandle.close();
  await baseHandle.close();
  const result = {
    size,
    saves: SAVES,
    rounds,
    oursConcurrentMs: median(totals.ours),
    baselineSequentialMs: median(totals.baseline),
    samples: totals,
  };
  log(
    `  ${SAVES} saves at ${size}: concurrent ${result.oursConcurrentMs.toFixed(1)} ms, baseline sequential ${result.baselineSequentialMs.toFixed(1)} ms`,
  );
  return result;
}

async function openPopulated(contender, path, size) {
  await contender.populate(path, size);
  return contender.open(path);
}
