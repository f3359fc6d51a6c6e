// The open time of a database whose journal holds N records (written by a child
// that saved N times and was killed without close()), against the open time of the same
// data after a clean close. Each timed replay opens a fresh copy of the crashed folder.
import { cp, mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { runChild } from "./child.mjs";
import { activeCount } from "./rows.mjs";
import { median, since } from "./stats.mjs";

const DB = "negotiations.db";

/**
 * @param {object} options
 * @param {string} options.folder
 * @param {number[]} options.counts journal records (saves) per database
 * @param {number} options.rounds timed opens per case
 * @param {object} options.ours the contender (default file persistence)
 * @param {number} options.timeoutMs for the writing child
 */
export async function measureJournalReplay({ folder, counts, rounds, ours, timeoutMs, log }) {
  const results = [];
  for (const count of counts) {
    const crashed = join(folder, `replay-${count}`);
    await mkdir(crashed);
    const child = await runChild(
      "write-journal.mjs",
      [join(crashed, DB), String(count)],
      timeoutMs,
    );
    if (child.signal !== "SIGKILL") {
      throw new Error(`the journal writer ended with ${child.signal ?? `code ${child.code}`}`);
    }
    const files = await listFiles(crashed);

    const replayMs = [];
    for (let round = 0; round < rounds; round++) {
      const copy = join(folder, `replay-${count}-copy`);
      await cp(crashed, copy, { recursive: true });
      const start = performance.now();
      const handle = await ours.open(join(copy, DB));
      replayMs.push(since(start));
      await checkRestored(handle, count);
      await handle.close();
      await rm(copy, { recursive: true });
    }

    // The same data, closed cleanly.
    const path = join(crashed, DB);
    await (await ours.open(path)).close();
    const cleanFiles = await listFiles(crashed);
    const cleanMs = [];
    for (let round = 0; round < rounds; round++) {
      const start = performance.now();
      const handle = await ours.open(path);
      cleanMs.push(since(start));
      await handle.close();
    }
    const result = {
      records: count,
      replayOpenMs: median(replayMs),
      cleanOpenMs: median(cleanMs),
      filesAfterCrash: files,
      filesAfterClose: cleanFiles,
      samples: { replayMs, cleanMs },
    };
    results.push(result);
    log(
      `  open with ${count} journal records: ${result.replayOpenMs.toFixed(1)} ms, after a clean close ${result.cleanOpenMs.toFixed(1)} ms`,
    );
  }
  return results;
}

async function checkRestored(handle, count) {
  const restored = (await handle.restore()).length;
  if (restored !== activeCount(count)) {
    throw new Error(`replay restored ${restored} active negotiations of ${activeCount(count)}`);
  }
}

/** The folder's files and their sizes in bytes, e.g. { "negotiations.db": 4096 }. */
async function listFiles(folder) {
  const files = {};
  for (const name of (await readdir(folder)).sort()) {
    files[name] = (await stat(join(folder, name))).size;
  }
  return files;
}
