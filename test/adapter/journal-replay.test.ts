import initSqlJs from "sql.js";
import { describe, expect, it } from "vitest";
import { checkpointImage } from "../../src/adapter/checkpoint-table.js";
import { replayJournal } from "../../src/adapter/journal-replay.js";
import type { SqlJsDatabase, SqlJsEngine } from "../../src/adapter/sql-js-engine.js";
import { CorruptDatabaseError } from "../../src/persistence/errors.js";
import type { JournalEntry } from "../../src/persistence/persistence.js";
import { thrownBy } from "../support/thrown-by.js";

const engine: SqlJsEngine = await initSqlJs();

const insert = (sequence: number, k: string): JournalEntry => ({
  sequence,
  statements: [{ sql: "INSERT INTO t VALUES (?)", params: [k] }],
});

/** A snapshot with table t holding `keys`, recording `sequence` as the last entry it holds. */
function snapshot(keys: string[], sequence: number, format?: Uint8Array): Uint8Array {
  const db = new engine.Database();
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
  for (const k of keys) db.run("INSERT INTO t VALUES (?)", [k]);
  const image = checkpointImage(db, sequence, format);
  db.close();
  return image;
}

function keys(db: SqlJsDatabase): string[] {
  const statement = db.prepare("SELECT k FROM t ORDER BY k");
  const found: string[] = [];
  while (statement.step()) found.push(statement.get()[0] as string);
  statement.free();
  return found;
}

/** What `run` throws (a test fails when it throws nothing). */

describe("replaying a journal onto its snapshot", () => {
  it("redoes only the entries the snapshot does not hold", () => {
    const journal = [insert(1, "a"), insert(2, "b"), insert(3, "c"), insert(4, "d")];
    const replayed = replayJournal(
      engine,
      { snapshot: snapshot(["a", "b"], 2), journal },
      "memory",
    );
    expect(keys(replayed.db)).toEqual(["a", "b", "c", "d"]);
    expect(replayed.sequence).toBe(4);
    expect(replayed.checkpointed).toBe(2);
    replayed.db.close();
  });

  it("starts an empty database from the journal alone, and a plain SQLite file at entry 0", () => {
    const journal: JournalEntry[] = [
      { sequence: 1, statements: [{ sql: "CREATE TABLE t (k TEXT PRIMARY KEY)", params: [] }] },
      insert(2, "a"),
    ];
    const fresh = replayJournal(engine, { snapshot: null, journal }, "memory");
    expect(keys(fresh.db)).toEqual(["a"]);
    expect([fresh.sequence, fresh.checkpointed, fresh.fileFormat]).toEqual([2, 0, undefined]);
    const plain = new engine.Database();
    plain.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
    const image = plain.export();
    plain.close();
    const opened = replayJournal(engine, { snapshot: image, journal: [] }, "memory");
    expect([opened.sequence, opened.checkpointed]).toEqual([0, 0]);
    opened.db.close();
    fresh.db.close();
  });

  it("keeps the snapshot's format versions, read before the engine touches the bytes", () => {
    const image = snapshot(["a"], 1, Uint8Array.of(2, 2));
    const replayed = replayJournal(engine, { snapshot: image, journal: [] }, "memory");
    expect(replayed.fileFormat).toEqual(Uint8Array.of(2, 2));
    replayed.db.close();
  });

  it("refuses a journal that does not continue the snapshot, naming the database", () => {
    const error = thrownBy(() => {
      replayJournal(engine, { snapshot: snapshot(["a"], 1), journal: [insert(3, "c")] }, "n.db");
    }) as CorruptDatabaseError;
    expect(error).toBeInstanceOf(CorruptDatabaseError);
    expect(error.location).toBe("n.db");
    expect(error.detail).toBe(
      "its journal resumes at entry 3, but the database holds entries up to 1",
    );
  });

  it("refuses an entry that cannot be redone, with SQLite's reason as its cause", () => {
    const error = thrownBy(() => {
      replayJournal(
        engine,
        { snapshot: snapshot(["a"], 1), journal: [insert(2, "b"), insert(3, "a")] },
        "n.db",
      );
    }) as CorruptDatabaseError;
    expect(error).toBeInstanceOf(CorruptDatabaseError);
    expect(error.detail).toMatch(/^journal entry 3 cannot be replayed: UNIQUE constraint failed/);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("refuses bytes that are not a SQLite database before the engine reads them", () => {
    const notSqlite = new TextEncoder().encode("not a database at all, but long enough ".repeat(4));
    expect(() => replayJournal(engine, { snapshot: notSqlite, journal: [] }, "n.db")).toThrow(
      CorruptDatabaseError,
    );
  });

  it("refuses a snapshot whose schema is damaged, naming the database", () => {
    const image = snapshot(["a"], 1);
    // Page 1 holds sqlite_master after the 100-byte header: scramble it.
    image.fill(0xff, 100, 4096);
    const error = thrownBy(() => {
      replayJournal(engine, { snapshot: image, journal: [] }, "n.db");
    }) as CorruptDatabaseError;
    expect(error).toBeInstanceOf(CorruptDatabaseError);
    expect(error.location).toBe("n.db");
  });
});
