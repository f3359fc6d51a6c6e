import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Worker } from "node:worker_threads";
import initSqlJs from "sql.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rebuildSnapshot } from "../../src/adapter/rebuilt-snapshot.js";
import { openSqlJsAdapter, type SqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import type { SqlJsEngine } from "../../src/adapter/sql-js-engine.js";
import {
  type FilePersistenceOptions,
  filePersistence,
  JOURNAL_SUFFIX,
} from "../../src/persistence/file-persistence.js";
import { decodeJournal } from "../../src/persistence/journal-codec.js";
import type { SnapshotRebuilder } from "../../src/persistence/snapshot-recipe.js";
import { workerSnapshotRebuilder } from "../../src/persistence/worker-snapshot-rebuilder.js";
import { copyAsCrashWould } from "../support/crash-copy.js";
import { rebuildInThisThread } from "../support/in-thread-rebuilder.js";

const sqlJs = await initSqlJs();
const engine: SqlJsEngine = sqlJs;
const builtWorker = new URL("../../dist/snapshot-worker.js", import.meta.url);

let folder: string;
let file: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-rebuild-"));
  await mkdir(join(folder, "db"));
  file = join(folder, "db", "negotiations.db");
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** A rebuilder that counts what it built, around `rebuild`. */
function counted(rebuild: SnapshotRebuilder) {
  const built: number[] = [];
  const rebuilder: SnapshotRebuilder = async (recipe) => {
    const image = await rebuild(recipe);
    built.push(recipe.sequence);
    return image;
  };
  return { rebuilder, built };
}

/**
 * An adapter on the file target with `options` (the checkpoint threshold 64 KiB unless they
 * say otherwise), with table t made.
 */
async function openWithTable(options: FilePersistenceOptions): Promise<SqlJsAdapter> {
  const adapter = await openSqlJsAdapter({
    persistence: filePersistence(file, { checkpointBytes: 64 * 1024, ...options }),
  });
  await adapter.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
  return adapter;
}

/** Saves `count` rows of 1 KB, in a loop that awaits nothing else, into table t. */
async function saveRows(adapter: SqlJsAdapter, count: number, from = 0): Promise<void> {
  for (let k = from; k < from + count; k++) {
    await adapter.run("INSERT OR REPLACE INTO t VALUES (?, ?)", [k, `${k}:${"x".repeat(1000)}`]);
  }
}

async function rowsIn(path: string): Promise<number> {
  const adapter = await openSqlJsAdapter({ persistence: filePersistence(path) });
  try {
    const [row] = await adapter.all<{ n: number }>("SELECT count(*) AS n FROM t");
    return row?.n ?? -1;
  } finally {
    await adapter.close();
  }
}

function journalRecordBytes(path: string): number {
  return decodeJournal(readFileSync(`${path}${JOURNAL_SUFFIX}`), path).validBytes;
}

describe("checkpoints rebuilt from what the file target stores", () => {
  it("fold the journal into the file while saves go on, losing nothing, even in a crash", async () => {
    const { rebuilder, built } = counted(rebuildInThisThread);
    const adapter = await openWithTable({
      snapshotRebuilder: rebuilder,
    });
    const crashes: string[] = [];
    for (let round = 0; round < 10; round++) {
      await saveRows(adapter, 200, round * 200);
      const copy = join(folder, `crash-${round}`);
      await mkdir(copy);
      copyAsCrashWould(join(folder, "db"), copy);
      crashes.push(copy);
    }
    expect(built.length, "checkpoints rebuilt").toBeGreaterThan(3);
    // Without checkpoints finishing, 2,000 records of over 1,000 bytes each. How many are
    // left depends on how far the last checkpoint got before the saves ended (under a full
    // run's load, over 1 MiB once): that some were folded away is what does not.
    expect(journalRecordBytes(file)).toBeLessThan(2000 * 1000);
    await adapter.close();
    for (const [round, copy] of crashes.entries()) {
      expect(await rowsIn(join(copy, "negotiations.db"))).toBe((round + 1) * 200);
    }
    expect(await rowsIn(file)).toBe(2000);
  });

  it("hold exactly what the writer held at the entry they were asked for", async () => {
    const images: Uint8Array[] = [];
    const adapter = await openWithTable({
      snapshotRebuilder: async (recipe) => {
        const image = rebuildSnapshot(engine, recipe);
        images.push(image.slice());
        return image;
      },
    });
    await saveRows(adapter, 300);
    await adapter.close();
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      const db = new sqlJs.Database(image);
      const [sequence] = db.exec("SELECT sequence FROM sqljs_checkpoint")[0]?.values[0] ?? [];
      const [rows] = db.exec("SELECT count(*) FROM t")[0]?.values[0] ?? [];
      // Entry 1 made the table; entry k + 1 saved row k.
      expect(rows).toBe(Number(sequence) - 1);
      db.close();
    }
  });

  it("fall back to the writer's own image for good once a rebuild fails, losing nothing", async () => {
    let calls = 0;
    const adapter = await openWithTable({
      snapshotRebuilder: async () => {
        calls++;
        throw new Error("no worker here");
      },
    });
    await saveRows(adapter, 2000);
    expect(calls).toBe(1);
    // Over 2,000,000 bytes of records saved: the writer's own checkpoints folded some away
    // (how many are left depends on the last one's progress, as above).
    expect(journalRecordBytes(file)).toBeLessThan(2000 * 1000);
    await adapter.close();
    expect(await rowsIn(file)).toBe(2000);
  });

  it("are not asked for with checkpointInWorker: false", async () => {
    const { rebuilder, built } = counted(rebuildInThisThread);
    const adapter = await openWithTable({
      checkpointInWorker: false,
      snapshotRebuilder: rebuilder,
    });
    await saveRows(adapter, 500);
    await adapter.close();
    expect(built).toEqual([]);
    expect(await rowsIn(file)).toBe(500);
  });
});

describe("the worker thread", () => {
  it("rebuilds them with the built snapshot-worker.js", async () => {
    const inWorker = workerSnapshotRebuilder(builtWorker);
    expect(inWorker, "dist/snapshot-worker.js, which npm run build makes").toBeDefined();
    const { rebuilder, built } = counted(inWorker as SnapshotRebuilder);
    const adapter = await openWithTable({
      checkpointBytes: 256 * 1024,
      snapshotRebuilder: rebuilder,
    });
    await saveRows(adapter, 1500);
    // Closing waits for a rebuild under way: on a loaded machine the first may not be done.
    await adapter.close();
    expect(built.length, "checkpoints rebuilt in a worker").toBeGreaterThan(0);
    expect(await rowsIn(file)).toBe(1500);
  });

  it("is not offered without its script, and rejects, naming why, when the script fails", async () => {
    expect(workerSnapshotRebuilder(new URL("./no-such-worker.js", import.meta.url))).toBe(
      undefined,
    );
    const failing = join(folder, "failing-worker.mjs");
    await writeFile(failing, 'throw new Error("this worker cannot start");\n');
    const rebuild = workerSnapshotRebuilder(pathToFileURL(failing)) as SnapshotRebuilder;
    await expect(
      rebuild({ snapshot: null, journal: new Uint8Array(), sequence: 0, location: file }),
    ).rejects.toThrow("this worker cannot start");
  });

  it("is what the built package uses by default", async () => {
    const built = new URL("../../dist/file.js", import.meta.url);
    const { filePersistence: builtFilePersistence } = await import(built.href);
    const { openSqlJsAdapter: builtOpen } = await import(
      new URL("../../dist/index.js", import.meta.url).href
    );
    const answered: boolean[] = [];
    const watch = (worker: Worker) =>
      worker.on("message", (answer: object) => answered.push("image" in answer));
    process.on("worker", watch);
    try {
      const adapter: SqlJsAdapter = await builtOpen({
        persistence: builtFilePersistence(file, { checkpointBytes: 256 * 1024 }),
      });
      await adapter.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
      await saveRows(adapter, 1500);
      await adapter.close();
    } finally {
      process.off("worker", watch);
    }
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.every(Boolean)).toBe(true);
    expect(await rowsIn(file)).toBe(1500);
  });
});
