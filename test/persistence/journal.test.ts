import { execFileSync } from "node:child_process";
import {
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  truncate,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlJsAdapter, type SqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { CorruptDatabaseError, StorageError } from "../../src/persistence/errors.js";
import {
  type FilePersistenceOptions,
  filePersistence,
} from "../../src/persistence/file-persistence.js";
import { type FileSystem, nodeFileSystem } from "../../src/persistence/file-system.js";
import { decodeJournal, encodeJournalEntries } from "../../src/persistence/journal-codec.js";
import { faultyFileSystem } from "../support/faulty-file-system.js";

let folder: string;
let file: string;
let crashes = 0;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-journal-"));
  file = join(folder, "n.db");
});

afterEach(() => rm(folder, { recursive: true, force: true }));

const journalOf = (path: string) => `${path}.ns-journal`;

async function open(path = file, options: FilePersistenceOptions = {}): Promise<SqlJsAdapter> {
  return openSqlJsAdapter({ persistence: filePersistence(path, options) });
}

/** Saves rows k0..k(n-1) one durable run each, into a fresh database with table t. */
async function openWithRows(
  count: number,
  options: FilePersistenceOptions = {},
): Promise<SqlJsAdapter> {
  const adapter = await open(file, options);
  await adapter.run("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)");
  for (let i = 0; i < count; i++) await adapter.run("INSERT INTO t VALUES (?, ?)", [`k${i}`, i]);
  return adapter;
}

/** The files as a crash would leave them right now, copied to a new folder; returns the new path. */
async function crashCopy(path = file): Promise<string> {
  const copy = join(folder, `crash-${++crashes}`, "n.db");
  await mkdir(join(copy, ".."));
  for (const source of [path, journalOf(path)]) {
    await copyFile(source, source === path ? copy : journalOf(copy)).catch((error) => {
      if (error.code !== "ENOENT") throw error;
    });
  }
  return copy;
}

async function keysIn(path: string): Promise<string[]> {
  const adapter = await open(path);
  try {
    return (await adapter.all<{ k: string }>("SELECT k FROM t ORDER BY v")).map((row) => row.k);
  } finally {
    await adapter.close();
  }
}

const keys = (count: number) => Array.from({ length: count }, (_, i) => `k${i}`);

/** Where the records of a journal end (zeros are written ahead of them). */
const TORN_RECORD = Buffer.from("NSJ1 torn");

/**
 * A crash copy of a database with two rows whose journal ends in a torn record (a crash
 * mid-append); `end` is where its whole records end.
 */
async function crashedWithTornRecord(): Promise<{ crashed: string; end: number }> {
  const adapter = await openWithRows(2);
  const crashed = await crashCopy();
  await adapter.close();
  const end = await recordsEnd(crashed);
  const journal = await readFile(journalOf(crashed));
  await writeFile(journalOf(crashed), Buffer.concat([journal.subarray(0, end), TORN_RECORD]));
  return { crashed, end };
}

async function recordsEnd(path: string): Promise<number> {
  return decodeJournal(await readFile(journalOf(path)), journalOf(path)).validBytes;
}

describe("the journal codec", () => {
  const entries = [
    { sequence: 7, statements: [{ sql: "INSERT INTO t VALUES (?, ?)", params: ["a'\"é🌸", 1.5] }] },
    {
      sequence: 8,
      statements: [{ sql: "SELECT ?, ?, ?", params: [null, 2n ** 70n, new Uint8Array([0, 255])] }],
    },
  ];

  it("round-trips entries with every kind of parameter", () => {
    expect(decodeJournal(encodeJournalEntries(entries), "j")).toEqual({
      entries,
      validBytes: encodeJournalEntries(entries).length,
    });
  });

  it("drops a record cut at any byte, and keeps the ones before it", () => {
    const whole = encodeJournalEntries(entries);
    const firstEnd = encodeJournalEntries(entries.slice(0, 1)).length;
    for (let cut = firstEnd; cut < whole.length; cut++) {
      expect(decodeJournal(whole.subarray(0, cut), "j")).toEqual({
        entries: entries.slice(0, 1),
        validBytes: firstEnd,
      });
    }
  });

  it("refuses a damaged record in the middle, naming the journal and the offset", () => {
    // Two group writes: the second was written only once the first was synced. (Within
    // one write, damage before a later record is a power loss during it: see
    // torn-group-write.test.ts.)
    const damaged = new Uint8Array([
      ...encodeJournalEntries(entries.slice(0, 1)),
      ...encodeJournalEntries(entries.slice(1)),
    ]);
    damaged[25] = (damaged[25] as number) ^ 0xff;
    expect(() => decodeJournal(damaged, "/x/n.db.ns-journal")).toThrow(
      "Database /x/n.db.ns-journal is corrupt or not a SQLite database: the journal record at offset 0 is damaged",
    );
  });

  it("refuses records out of sequence", () => {
    const gap = encodeJournalEntries([
      entries[0],
      { ...entries[1], sequence: 10 },
    ] as typeof entries);
    expect(() => decodeJournal(gap, "j")).toThrow("has sequence 10 after 7");
  });
});

describe("journaled file persistence", () => {
  it("acknowledges a save once its record is in the journal, without rewriting the database file", async () => {
    const adapter = await openWithRows(3);
    const end = await recordsEnd(file);
    await adapter.run("INSERT INTO t VALUES ('k3', 3)");
    expect(await recordsEnd(file)).toBeGreaterThan(end);
    await expect(stat(file)).rejects.toThrow("ENOENT");
    expect(await keysIn(await crashCopy())).toEqual(keys(4));
    await adapter.close();
  });

  it("leaves the database file alone and complete after close, with no journal beside it", async () => {
    await (await openWithRows(5)).close();
    await expect(stat(journalOf(file))).rejects.toThrow("ENOENT");
    const rows = execFileSync("python3", [
      "-c",
      "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); print(db.execute('pragma integrity_check').fetchone()[0], db.execute('select count(*) from t').fetchone()[0])",
      file,
    ]);
    expect(rows.toString().trim()).toBe("ok 5");
  });

  it("loses only the last record, and only when it is cut, at every byte offset of it", async () => {
    const adapter = await openWithRows(3);
    const before = await recordsEnd(file);
    await adapter.run("INSERT INTO t VALUES (?, ?)", ["k3", 3]);
    const crashed = await crashCopy();
    await adapter.close();
    const after = await recordsEnd(crashed);
    expect(after - before).toBeGreaterThan(40);
    const journal = await readFile(journalOf(crashed));
    for (let cut = before; cut <= after; cut++) {
      const copy = join(folder, "cut", `${cut}.db`);
      await mkdir(join(copy, ".."), { recursive: true });
      await copyFile(crashed, copy).catch(() => undefined);
      await writeFile(journalOf(copy), journal.subarray(0, cut));
      expect(await keysIn(copy), `cut at ${cut}`).toEqual(keys(cut === after ? 4 : 3));
    }
  });

  it("folds a journal with a torn last record into the database at open, then appends after it", async () => {
    const { crashed } = await crashedWithTornRecord();
    const reopened = await open(crashed);
    expect((await stat(journalOf(crashed))).size).toBe(0);
    expect(await keysIn(await crashCopy(crashed))).toEqual(keys(2));
    await reopened.run("INSERT INTO t VALUES ('k2', 2)");
    expect(await keysIn(await crashCopy(crashed))).toEqual(keys(3));
    await reopened.close();
  });

  it("cuts a torn last record off before appending, when the fold at open failed", async () => {
    const { crashed, end } = await crashedWithTornRecord();
    let renamesFail = true;
    const fileSystem: FileSystem = {
      ...nodeFileSystem,
      // The database's rename only: the journal is copied at open (by a rename too).
      rename: (from, to) =>
        renamesFail && to === crashed
          ? Promise.reject(Object.assign(new Error("EIO: rename"), { code: "EIO" }))
          : nodeFileSystem.rename(from, to),
    };
    const reopened = await openSqlJsAdapter({
      persistence: filePersistence(crashed, { fileSystem }),
    });
    expect((await stat(journalOf(crashed))).size).toBe(end + TORN_RECORD.length);
    await reopened.run("INSERT INTO t VALUES ('k2', 2)");
    expect(await keysIn(await crashCopy(crashed))).toEqual(keys(3));
    renamesFail = false;
    await reopened.close();
  });

  it("refuses a journal damaged before its last record, naming it and the offset, and changes nothing", async () => {
    const adapter = await openWithRows(3);
    const crashed = await crashCopy();
    await adapter.close();
    const journal = await readFile(journalOf(crashed));
    journal[30] = (journal[30] as number) ^ 0xff;
    await writeFile(journalOf(crashed), journal);
    const error = await open(crashed).catch((caught) => caught);
    expect(error).toBeInstanceOf(CorruptDatabaseError);
    expect(error.message).toContain(`${journalOf(crashed)} is corrupt`);
    expect(error.message).toContain("offset 0");
    expect(await readFile(journalOf(crashed))).toEqual(journal);
  });

  it("skips on replay the entries the snapshot already holds, so replay is idempotent", async () => {
    const adapter = await openWithRows(0);
    await adapter.run("CREATE TABLE c (n INTEGER)");
    await adapter.run("INSERT INTO c VALUES (0)");
    for (let i = 0; i < 5; i++) await adapter.run("UPDATE c SET n = n + 1");
    const journal = await readFile(journalOf(file));
    // A checkpoint that crashed after the new snapshot, before the journal was emptied:
    await adapter.close();
    await writeFile(journalOf(file), journal);
    for (let round = 0; round < 2; round++) {
      const reopened = await open();
      expect(await reopened.all("SELECT n FROM c")).toEqual([{ n: 5 }]);
      await reopened.run("UPDATE c SET n = n + 0");
      await reopened.close();
    }
  });

  it("empties a journal of records the snapshot already holds, even with nothing new to save", async () => {
    const adapter = await openWithRows(3);
    const journal = await readFile(journalOf(file));
    await adapter.close();
    // A checkpoint that crashed after the new snapshot, before the journal was emptied:
    await writeFile(journalOf(file), journal);
    const reopened = await open();
    await reopened.close();
    await expect(stat(journalOf(file))).rejects.toThrow("ENOENT");
    expect(await keysIn(file)).toEqual(keys(3));
  });

  it("replays every entry after a crash, and the same again after a second crash", async () => {
    const adapter = await openWithRows(10);
    const first = await crashCopy();
    await adapter.close();
    expect(await keysIn(first)).toEqual(keys(10));
    const again = await open(first);
    await again.run("INSERT INTO t VALUES ('k10', 10)");
    expect(await keysIn(await crashCopy(first))).toEqual(keys(11));
    await again.close();
  });

  it("folds the journal into the database file when it outgrows the threshold", async () => {
    const adapter = await openWithRows(60, { checkpointBytes: 1000 });
    await adapter.checkpoint(); // let a checkpoint the last flush started finish
    expect((await stat(journalOf(file))).size).toBeLessThan(1000);
    expect((await stat(file)).size).toBeGreaterThan(0);
    expect(await keysIn(await crashCopy())).toEqual(keys(60));
    await adapter.close();
  });

  it("in whole-image mode writes every commit to the database file, and folds a leftover journal", async () => {
    const journaled = await openWithRows(3);
    const crashed = await crashCopy();
    await journaled.close();
    const adapter = await open(crashed, { journal: false });
    expect((await stat(journalOf(crashed))).size).toBe(0);
    await adapter.run("INSERT INTO t VALUES ('k3', 3)");
    expect((await stat(journalOf(crashed))).size).toBe(0);
    const copy = await crashCopy(crashed);
    await rm(journalOf(copy), { force: true });
    expect(await keysIn(copy)).toEqual(keys(4));
    await adapter.close();
  });
});

describe("a checkpoint failing at any file-system call", () => {
  it("loses nothing acknowledged, whichever call fails", async () => {
    // Count the calls of one checkpoint, then fail each of them in turn.
    const probe = faultyFileSystem();
    const probed = await openSqlJsAdapter({
      persistence: filePersistence(file, { fileSystem: probe }),
    });
    await probed.run("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)");
    await probed.run("INSERT INTO t VALUES ('k0', 0)");
    const start = probe.calls.length;
    await probed.checkpoint();
    const checkpointCalls = probe.calls.slice(start);
    await probed.close();
    await rm(file);
    await rm(journalOf(file), { force: true });
    expect(checkpointCalls.length).toBeGreaterThanOrEqual(8);

    for (let failing = 1; failing <= checkpointCalls.length; failing++) {
      const path = join(folder, `fault-${failing}`, "n.db");
      await mkdir(join(path, ".."));
      const fileSystem = faultyFileSystem();
      const adapter = await openSqlJsAdapter({
        persistence: filePersistence(path, { fileSystem }),
      });
      await adapter.run("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)");
      for (let i = 0; i < 4; i++) await adapter.run("INSERT INTO t VALUES (?, ?)", [`k${i}`, i]);
      fileSystem.failAt = fileSystem.calls.length + failing;
      const failed = await adapter.checkpoint().then(
        () => undefined,
        (error) => error,
      );
      expect(failed, `call ${failing}: ${checkpointCalls[failing - 1]}`).toBeInstanceOf(
        StorageError,
      );
      expect(await keysIn(await crashCopy(path)), `after failing call ${failing}`).toEqual(keys(4));
      // The adapter goes on: later saves and a clean close keep everything.
      await adapter.run("INSERT INTO t VALUES ('k4', 4)");
      await adapter.close();
      expect(await keysIn(path)).toEqual(keys(5));
    }
  });
});

describe("bad journal files at open", () => {
  it("refuses a journal that does not continue the snapshot, changing nothing", async () => {
    const adapter = await openWithRows(3);
    const crashed = await crashCopy();
    await adapter.close();
    const journal = await readFile(journalOf(crashed));
    const { entries } = decodeJournal(journal, "j");
    await writeFile(journalOf(crashed), encodeJournalEntries(entries.slice(2)));
    await expect(open(crashed)).rejects.toThrow(
      /resumes at entry 3, but the database holds entries up to 0/,
    );
    await truncate(journalOf(crashed), 0);
  });
});
