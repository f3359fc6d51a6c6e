import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs from "sql.js";
import { describe, expect, it } from "vitest";
import {
  CHECKPOINT_TABLE,
  checkpointImage,
  readCheckpointSequence,
} from "../../src/adapter/checkpoint-table.js";
import type { SqlJsEngine } from "../../src/adapter/sql-js-engine.js";

const engine: SqlJsEngine = await initSqlJs();

describe("the checkpoint table", () => {
  it("reads 0 from a database no checkpoint wrote", () => {
    const db = new engine.Database();
    db.exec("CREATE TABLE t (x)");
    expect(readCheckpointSequence(db)).toBe(0);
    db.close();
  });

  it("records the sequence in the image it writes, once, and reads it back from that image", () => {
    const db = new engine.Database();
    db.exec("CREATE TABLE t (x)");
    checkpointImage(db, 3, undefined);
    const image = checkpointImage(db, 7, undefined);
    db.close();
    const reloaded = new engine.Database(image);
    expect(readCheckpointSequence(reloaded)).toBe(7);
    const rows = reloaded.prepare(`SELECT count(*) FROM ${CHECKPOINT_TABLE}`);
    rows.step();
    expect(rows.get()).toEqual([1]);
    rows.free();
    reloaded.close();
  });

  it("writes the stored file's format versions back, so that a WAL-mode file stays one for sqlite3", async () => {
    const db = new engine.Database();
    db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    const image = checkpointImage(db, 1, Uint8Array.of(2, 2));
    db.close();
    expect([image[18], image[19]]).toEqual([2, 2]);
    const folder = await mkdtemp(join(tmpdir(), "negotiation-state-checkpoint-"));
    try {
      const file = join(folder, "n.db");
      await writeFile(file, image);
      const read = execFileSync("python3", [
        "-c",
        "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); print(db.execute('pragma journal_mode').fetchone()[0], db.execute('select x from t').fetchone()[0])",
        file,
      ]);
      expect(read.toString().trim()).toBe("wal 1");
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
