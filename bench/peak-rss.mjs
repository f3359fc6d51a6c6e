// Peak RSS of a fresh process that opens a database of `size` negotiations and saves
// `saves` times, half of them new rows (the save path: the goal of issue 15 is 1.5 times the
// database file plus 60 MB), then closes; a close checkpoints, which with sql.js takes one
// whole-image copy (export), so the peak with it is shown too. Then the same with a
// restoreActive of every active negotiation, whose domain objects come on top.
// better-sqlite3 doing the same alongside.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { runChild } from "./child.mjs";

export const MB = 1024 * 1024;

/** The goal is on the first (the save path); the second adds the domain objects of a full restore. */
export const WORKLOADS = ["saves", "saves and restore"];

/**
 * @param {object} options
 * @param {string} options.folder
 * @param {number} options.size
 * @param {number} options.saves
 * @param {object[]} options.contenders those known to children/peak-rss.mjs
 * @param {number} options.timeoutMs per child
 */
export async function measurePeakRss({ folder, size, saves, contenders, timeoutMs, log }) {
  const results = [];
  for (const contender of contenders) {
    const path = join(folder, `rss-${contender.name}-${size}.db`);
    await contender.populate(path, size);
    for (const workload of WORKLOADS) {
      const fileBytes = (await stat(path)).size;
      const child = await runChild(
        "peak-rss.mjs",
        [contender.name, path, String(size), String(saves), workload],
        timeoutMs,
      );
      if (child.code !== 0) {
        throw new Error(`peak-rss.mjs ${contender.name} (${workload}) exited with ${child.code}`);
      }
      const { beforeCloseBytes, maxRssBytes, restored, firstNewRowMs, worstSaveMs } = JSON.parse(
        child.stdout,
      );
      const goalBytes = 1.5 * fileBytes + 60 * MB;
      results.push({
        size,
        saves,
        workload,
        contender: contender.name,
        fileBytes,
        beforeCloseBytes,
        maxRssBytes,
        goalBytes,
        restored,
        firstNewRowMs,
        worstSaveMs,
      });
      log(
        `  peak RSS at ${size}, ${workload}: ${contender.label}: ${(beforeCloseBytes / MB).toFixed(0)} MB before close, ${(maxRssBytes / MB).toFixed(0)} MB with close (file ${(fileBytes / MB).toFixed(1)} MB)`,
      );
    }
  }
  return results;
}
