import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { TEMP_MARK } from "../../src/persistence/atomic-file.js";
import {
  CorruptDatabaseError,
  DatabaseLockedError,
  StorageError,
} from "../../src/persistence/errors.js";
import { filePersistence, JOURNAL_SUFFIX } from "../../src/persistence/file-persistence.js";
import { type FileSystem, nodeFileSystem } from "../../src/persistence/file-system.js";
import { decodeJournal } from "../../src/persistence/journal-codec.js";
import { rebuildInThisThread } from "../support/in-thread-rebuilder.js";

let folder: string;
let file: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-file-"));
  file = join(folder, "negotiations.db");
});

afterEach(async () => {
  for (const child of children) child.kill("SIGKILL");
  children.length = 0;
  await rm(folder, { recursive: true, force: true });
});

const children: ReturnType<typeof spawn>[] = [];

async function createDatabase(path = file) {
  const adapter = await openSqlJsAdapter({ persistence: filePersistence(path) });
  await adapter.run("CREATE TABLE t (k TEXT PRIMARY KEY, v)");
  await adapter.run("INSERT INTO t VALUES ('a', 1)");
  await adapter.close();
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid as number;
}

/** The pid of a process that stays alive until the test ends. */
function livePid(): number {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
  children.push(child);
  return child.pid as number;
}

function writeLock(pid: number, host: string | null = hostname()) {
  return writeFile(`${file}.lock`, JSON.stringify({ pid, host, token: "someone-else" }));
}

describe("filePersistence", () => {
  it("writes a plain SQLite file that a reopen reads back", async () => {
    await createDatabase();
    const adapter = await openSqlJsAdapter({ persistence: filePersistence(file) });
    expect(await adapter.all("SELECT k, v FROM t")).toEqual([{ k: "a", v: 1 }]);
    await adapter.close();
    const header = (await readFile(file)).subarray(0, 16).toString("latin1");
    expect(header).toBe("SQLite format 3\0");
  });

  it("has each commit on disk before the call resolves, without close", async () => {
    const adapter = await openSqlJsAdapter({ persistence: filePersistence(file) });
    await adapter.run("CREATE TABLE t (k)");
    await adapter.run("INSERT INTO t VALUES ('durable')");
    // What a crash right now would leave: the files as they are, and no lock holder.
    const copy = join(folder, "copy", "negotiations.db");
    await mkdir(dirname(copy));
    for (const suffix of ["", ".ns-journal"])
      await copyFile(`${file}${suffix}`, `${copy}${suffix}`).catch(() => {});
    const reopened = await openSqlJsAdapter({ persistence: filePersistence(copy) });
    expect(await reopened.all("SELECT k FROM t")).toEqual([{ k: "durable" }]);
    await reopened.close();
    await adapter.close();
  });

  it("creates the folder of the file when it is missing", async () => {
    await createDatabase(join(folder, "nested", "deeper", "n.db"));
    expect(await readdir(join(folder, "nested", "deeper"))).toEqual(["n.db"]);
  });

  it("leaves no temp or lock file behind after close", async () => {
    await createDatabase();
    expect(await readdir(folder)).toEqual(["negotiations.db"]);
  });

  it("removes temp files that a crashed write left behind", async () => {
    await createDatabase();
    await writeFile(`${file}.tmp-0f1e2d`, "half a database");
    const adapter = await openSqlJsAdapter({ persistence: filePersistence(file) });
    expect((await readdir(folder)).sort()).toEqual([
      "negotiations.db",
      "negotiations.db.lock",
      "negotiations.db.ns-journal",
    ]);
    await adapter.close();
  });

  it("refuses a file that is not a database, naming it, and leaves its bytes alone", async () => {
    const garbage = Buffer.from("this is not a database, it is a shopping list\n".repeat(20));
    await writeFile(file, garbage);
    const error = await openSqlJsAdapter({ persistence: filePersistence(file) }).catch(
      (caught) => caught,
    );
    expect(error).toBeInstanceOf(CorruptDatabaseError);
    expect(error.message).toContain(file);
    expect(await readFile(file)).toEqual(garbage);
    // The refused open released its lock: the next one gets the same answer, not "locked".
    await expect(openSqlJsAdapter({ persistence: filePersistence(file) })).rejects.toBeInstanceOf(
      CorruptDatabaseError,
    );
  });

  it("refuses a truncated database, naming it, and leaves its bytes alone", async () => {
    await createDatabase();
    const whole = await readFile(file);
    const truncated = whole.subarray(0, whole.length - 100);
    await writeFile(file, truncated);
    const error = await openSqlJsAdapter({ persistence: filePersistence(file) }).catch(
      (caught) => caught,
    );
    expect(error).toBeInstanceOf(CorruptDatabaseError);
    expect(error.message).toMatch(/truncated/);
    expect(error.message).toContain(file);
    expect(await readFile(file)).toEqual(truncated);
  });

  it("refuses a database path it cannot read, naming it", async () => {
    await mkdir(file);
    const error = await openSqlJsAdapter({ persistence: filePersistence(file) }).catch(
      (caught) => caught,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect(error.message).toContain(`Cannot read ${file}`);
  });

  it("refuses a second open of the same file in this process", async () => {
    const first = await openSqlJsAdapter({ persistence: filePersistence(file) });
    const error = await openSqlJsAdapter({ persistence: filePersistence(file) }).catch(
      (caught) => caught,
    );
    expect(error).toBeInstanceOf(DatabaseLockedError);
    expect(error.message).toContain("already open here");
    await first.close();
  });

  it("refuses a file locked by a live process, naming the process", async () => {
    await createDatabase();
    const pid = livePid();
    await writeLock(pid);
    const error = await openSqlJsAdapter({ persistence: filePersistence(file) }).catch(
      (caught) => caught,
    );
    expect(error).toBeInstanceOf(DatabaseLockedError);
    expect(error.message).toBe(
      `Database ${file} is locked: held by process ${pid} on ${hostname()}`,
    );
  });

  it("takes over a lock left by a process that is gone", async () => {
    await createDatabase();
    await writeLock(await deadPid());
    const adapter = await openSqlJsAdapter({ persistence: filePersistence(file) });
    expect(await adapter.all("SELECT k FROM t")).toEqual([{ k: "a" }]);
    const lock = JSON.parse(await readFile(`${file}.lock`, "utf8"));
    expect(lock.pid).toBe(process.pid);
    await adapter.close();
  });

  it("refuses a lock from another host, whose holder it cannot check", async () => {
    await writeLock(await deadPid(), "some-other-host");
    await expect(openSqlJsAdapter({ persistence: filePersistence(file) })).rejects.toThrow(
      "whether it is alive cannot be checked from",
    );
  });

  it("refuses a lock whose holder could not record its host (Deno without --allow-sys)", async () => {
    await writeLock(await deadPid(), null);
    await expect(openSqlJsAdapter({ persistence: filePersistence(file) })).rejects.toThrow(
      "on a host it did not record; whether it is alive cannot be checked",
    );
  });

  it("refuses a lock file that does not name its holder", async () => {
    await writeFile(`${file}.lock`, "{ not a lock");
    await expect(openSqlJsAdapter({ persistence: filePersistence(file) })).rejects.toThrow(
      "does not name its holder",
    );
  });

  it("waits for the lock when asked, and gets it once it is released", async () => {
    const first = await openSqlJsAdapter({ persistence: filePersistence(file) });
    await first.run("CREATE TABLE t (k)");
    setTimeout(() => void first.close(), 150);
    const second = await openSqlJsAdapter({
      persistence: filePersistence(file, { lockTimeout: 5000 }),
    });
    expect(await second.all("SELECT count(*) AS n FROM t")).toEqual([{ n: 0 }]);
    await second.close();
  });

  it("gives up waiting for the lock after the timeout", async () => {
    const first = await openSqlJsAdapter({ persistence: filePersistence(file) });
    await expect(
      openSqlJsAdapter({ persistence: filePersistence(file, { lockTimeout: 120 }) }),
    ).rejects.toBeInstanceOf(DatabaseLockedError);
    await first.close();
  });

  describe("read-only", () => {
    it("reads what a writer holding the file has acknowledged, journal included, and changes nothing", async () => {
      const writer = await openSqlJsAdapter({ persistence: filePersistence(file) });
      await writer.run("CREATE TABLE t (k TEXT)");
      await writer.run("INSERT INTO t VALUES ('a'), ('b')");
      const before = await filesIn(folder);

      const reader = await openSqlJsAdapter({
        persistence: filePersistence(file, { readOnly: true }),
      });
      expect(await reader.all("SELECT k FROM t ORDER BY k")).toEqual([{ k: "a" }, { k: "b" }]);
      await expect(reader.run("INSERT INTO t VALUES ('c')")).rejects.toThrow(
        `The database ${file} is open read-only: it cannot be changed`,
      );
      await expect(reader.checkpoint()).rejects.toThrow("open read-only");
      await reader.close();
      expect(await filesIn(folder)).toEqual(before);

      await writer.run("INSERT INTO t VALUES ('c')");
      await writer.close();
    });

    it("refuses a database that is not there, creating nothing", async () => {
      await expect(
        openSqlJsAdapter({ persistence: filePersistence(file, { readOnly: true }) }),
      ).rejects.toThrow(`Cannot read ${file}: there is no database there`);
      expect(await readdir(folder)).toEqual([]);
    });
  });
});

/** Every file of a folder with its bytes. */
async function filesIn(path: string): Promise<Record<string, string>> {
  const names = (await readdir(path)).sort();
  return Object.fromEntries(
    await Promise.all(
      names.map(async (name) => [name, (await readFile(join(path, name))).toString("hex")]),
    ),
  );
}

describe("a loop of saves that awaits nothing else", () => {
  it("still lets timers run and checkpoints finish: the journal stays small", async () => {
    const adapter = await openSqlJsAdapter({
      persistence: filePersistence(file, { checkpointBytes: 64 * 1024 }),
    });
    await adapter.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
    const total = 4000;
    let saves = 0;
    let timerFiredAfter: number | undefined;
    setTimeout(() => {
      timerFiredAfter = saves;
    }, 0);
    let largestJournal = 0;
    for (; saves < total; saves++) {
      await adapter.run("INSERT OR REPLACE INTO t VALUES (?, ?)", [saves % 50, "x".repeat(1000)]);
      if (saves % 100 === 99) {
        const { validBytes } = decodeJournal(readFileSync(`${file}${JOURNAL_SUFFIX}`), file);
        largestJournal = Math.max(largestJournal, validBytes);
      }
    }
    await adapter.close();
    expect(timerFiredAfter, "a timer set before the loop fired during it").toBeLessThan(total);
    // Its records, zeros written ahead left out: without checkpoints finishing, 4 MB. With
    // them, the records a checkpoint's turns let in on top of its 64 KB: 0.5-0.7 MB here.
    expect(largestJournal).toBeLessThan(1024 * 1024);
  });
});

describe.each([
  ["the writer's own image", { checkpointInWorker: false }],
  ["an image rebuilt from the file and journal", { snapshotRebuilder: rebuildInThisThread }],
] as const)("a checkpoint written while saves go on, of %s", (_, imageOptions) => {
  /**
   * The real file system, but the sync of a new database image waits until `open()` is
   * called, and the data sync of a new journal written ahead until `openDraft()` is.
   */
  function gatedFileSystem() {
    const gateOf = () => {
      let open = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      return { gate, open: () => open() };
    };
    const image = gateOf();
    const draft = gateOf();
    let waiting = false;
    let draftWaiting = false;
    const paths = new Map<number, string>();
    const openedPaths: string[] = [];
    const isTemp = (fd: number, of: string) =>
      basename(paths.get(fd) ?? "").startsWith(`${basename(of)}${TEMP_MARK}`);
    const fs: FileSystem = {
      ...nodeFileSystem,
      async open(path, flags) {
        const fd = await nodeFileSystem.open(path, flags);
        paths.set(fd, path);
        openedPaths.push(path);
        return fd;
      },
      async fsync(fd) {
        if (isTemp(fd, file)) {
          waiting = true;
          await image.gate;
        }
        return nodeFileSystem.fsync(fd);
      },
      async fdatasync(fd) {
        if (isTemp(fd, `${file}${JOURNAL_SUFFIX}`)) {
          draftWaiting = true;
          await draft.gate;
        }
        return nodeFileSystem.fdatasync(fd);
      },
    };
    return {
      fs,
      open: image.open,
      openDraft: draft.open,
      isWaiting: () => waiting,
      isDraftWaiting: () => draftWaiting,
      opened: () => openedPaths,
    };
  }

  /**
   * An adapter on a gated file system that checkpoints after every commit, with table t
   * made, once the checkpoint of that first commit waits on its image's sync.
   */
  async function openWhileFirstCheckpointWaits() {
    const gated = gatedFileSystem();
    const adapter = await openSqlJsAdapter({
      persistence: filePersistence(file, {
        checkpointBytes: 1,
        fileSystem: gated.fs,
        ...imageOptions,
      }),
    });
    await adapter.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
    await waitFor(gated.isWaiting);
    return { gated, adapter };
  }

  /** Whether the journal was cut: its first record is no longer the first entry. */
  async function journalWasCut(): Promise<boolean> {
    const entries = decodeJournal(await readFile(`${file}${JOURNAL_SUFFIX}`), file).entries;
    return entries.length > 0 && entries[0]?.sequence !== 1;
  }

  it("acknowledges saves meanwhile, keeps them in the journal, and holds them after a crash at any point", async () => {
    const { gated, adapter } = await openWhileFirstCheckpointWaits();
    // The checkpoint of the first entry waits on its sync: these saves must not.
    for (let k = 0; k <= 20; k++) {
      await expectSoon(adapter.run("INSERT INTO t VALUES (?, ?)", [k, `while writing ${k}`]));
    }
    const crashed = join(folder, "crashed");
    await mkdir(crashed);
    for (const name of await readdir(folder)) {
      if (name.startsWith("negotiations.db") && !name.endsWith(".lock")) {
        await copyFile(join(folder, name), join(crashed, name));
      }
    }
    gated.open();
    await adapter.run("INSERT INTO t VALUES (21, 'after')");
    await adapter.checkpoint();
    const journal = decodeJournal(await readFile(`${file}${JOURNAL_SUFFIX}`), file);
    expect(journal.entries, "the checkpoint kept only what its snapshot lacks").toEqual([]);
    await adapter.close();
    for (const path of [file, join(crashed, "negotiations.db")]) {
      const reopened = await openSqlJsAdapter({ persistence: filePersistence(path) });
      const rows = await reopened.all<{ k: number }>("SELECT k FROM t ORDER BY k");
      expect(rows.map((row) => row.k)).toEqual([...Array(path === file ? 22 : 21).keys()]);
      await reopened.close();
    }
  });

  it("writes many records appended meanwhile into the new journal ahead of its turn", async () => {
    const { gated, adapter } = await openWhileFirstCheckpointWaits();
    // 100 records of 1 KB: past the 64 KiB from which the new journal is written ahead.
    for (let k = 1; k <= 100; k++) {
      await adapter.run("INSERT INTO t VALUES (?, ?)", [k, `${k}:${"x".repeat(1000)}`]);
    }
    gated.open();
    // Saves made while the new journal is written ahead: the turn adds them to it.
    await waitFor(gated.isDraftWaiting);
    for (let k = 101; k <= 110; k++) {
      await adapter.run("INSERT INTO t VALUES (?, ?)", [k, `${k}:${"x".repeat(1000)}`]);
    }
    gated.openDraft();
    await waitFor(journalWasCut);
    const journalTemps = gated
      .opened()
      .filter((path) =>
        basename(path).startsWith(`${basename(file)}${JOURNAL_SUFFIX}${TEMP_MARK}`),
      );
    expect(journalTemps, "a new journal written ahead").toHaveLength(1);
    const after = decodeJournal(await readFile(`${file}${JOURNAL_SUFFIX}`), file).entries;
    expect(after.map((entry) => entry.sequence).slice(0, 110)).toEqual(
      Array.from({ length: 110 }, (_, i) => i + 2),
    );
    await adapter.close();
    const reopened = await openSqlJsAdapter({ persistence: filePersistence(file) });
    const rows = await reopened.all<{ k: number }>("SELECT k FROM t ORDER BY k");
    expect(rows.map((row) => row.k)).toEqual(Array.from({ length: 110 }, (_, i) => i + 1));
    await reopened.close();
  });

  it("keeps in the journal, alone, the records appended while the snapshot was written", async () => {
    const { gated, adapter } = await openWhileFirstCheckpointWaits();
    await adapter.run("INSERT INTO t VALUES (1, 'one')");
    await adapter.run("INSERT INTO t VALUES (2, 'two')");
    const before = decodeJournal(await readFile(`${file}${JOURNAL_SUFFIX}`), file).entries;
    expect(before.map((entry) => entry.sequence)).toEqual([1, 2, 3]);
    gated.open();
    // The next save waits for the checkpoint's end: the journal is cut by then.
    await waitFor(journalWasCut);
    const after = decodeJournal(await readFile(`${file}${JOURNAL_SUFFIX}`), file).entries;
    expect(after.map((entry) => entry.sequence).slice(0, 2)).toEqual([2, 3]);
    await adapter.close();
    const reopened = await openSqlJsAdapter({ persistence: filePersistence(file) });
    expect(await reopened.all("SELECT k, v FROM t ORDER BY k")).toEqual([
      { k: 1, v: "one" },
      { k: 2, v: "two" },
    ]);
    await reopened.close();
  });
});

/** Resolves once `condition` holds, checking every few milliseconds for up to 10 s. */
async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 10_000; !(await condition()); ) {
    if (Date.now() > deadline) throw new Error("the condition never held");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Awaits `promise`, failing if it is still pending after 5 s (it would wait for ever). */
async function expectSoon<T>(promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("still waiting after 5 s")), 5_000);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
