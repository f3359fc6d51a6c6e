// Scenario 5: peak RSS of a fresh process that opens a database of `size` negotiations,
// saves `saves` times and restores the active ones, against the goal of twice the database
// file plus 80 MB; better-sqlite3 doing the same is shown alongside.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { runChild } from "./child.mjs";

export const MB = 1024 * 1024;

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
    const fileBytes = (await stat(path)).size;
    const child = await runChild(
      "peak-rss.mjs",
      [contender.name, path, String(size), String(saves)],
      timeoutMs,
    );
    if (child.code !== 0)
      throw new Error(`peak-rss.mjs ${contender.name} exited with ${child.code}`);
    const { maxRssBytes, restored } = JSON.parse(child.stdout);
    const goalBytes = 2 * fileBytes + 80 * MB;
    results.push({
      size,
      saves,
      contender: contender.name,
      fileBytes,
      maxRssBytes,
      goalBytes,
      restored,
    });
    log(
      `  peak RSS at ${size}: ${contender.label}: ${(maxRssBytes / MB).toFixed(0)} MB (file ${(fileBytes / MB).toFixed(1)} MB)`,
    );
  }
  return results;
}
