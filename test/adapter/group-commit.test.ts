import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GroupCommit, type GroupCommitOptions } from "../../src/adapter/group-commit.js";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { StorageError } from "../../src/persistence/errors.js";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import { faultyFileSystem } from "../support/faulty-file-system.js";

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Lets every promise callback that is ready run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * A group commit of numbers whose appends are recorded, one batch each, and can be held
 * (until `release`) or made to fail (the batch holding `failOn`).
 */
function recordingGroupCommit(options: Partial<GroupCommitOptions<number>> = {}) {
  const batches: number[][] = [];
  const failures: unknown[] = [];
  const state = { held: undefined as Promise<void> | undefined, failOn: -1, drained: 0 };
  const commits = new GroupCommit<number>({
    async append(entries) {
      await state.held;
      if (entries.includes(state.failOn)) throw new Error(`EIO: cannot append ${entries}`);
      batches.push([...entries]);
    },
    startAfter: () => Promise.resolve(),
    failed: (cause) => {
      failures.push(cause);
      return new StorageError("not durable", { cause });
    },
    drained: () => {
      state.drained += 1;
    },
    ...options,
  });
  return { commits, batches, failures, state };
}

describe("GroupCommit", () => {
  it("appends the commits made together as one batch, in commit order, and resolves each", async () => {
    const { commits, batches } = recordingGroupCommit();
    await Promise.all([1, 2, 3].map((entry) => commits.commit(entry)));
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("waits for startAfter before the batch, so commits made meanwhile join it", async () => {
    const start = gate();
    const { commits, batches } = recordingGroupCommit({ startAfter: () => start.promise });
    const first = commits.commit(1);
    await settle();
    const second = commits.commit(2);
    expect(batches).toEqual([]);
    start.open();
    await Promise.all([first, second]);
    expect(batches).toEqual([[1, 2]]);
  });

  it("puts the commits made during an append into the next one, resolving each after its own", async () => {
    const { commits, batches, state } = recordingGroupCommit();
    const hold = gate();
    state.held = hold.promise;
    const resolved: number[] = [];
    const first = commits.commit(1).then(() => resolved.push(1));
    await settle();
    const later = [2, 3, 4].map((entry) => commits.commit(entry).then(() => resolved.push(entry)));
    await settle();
    expect(resolved).toEqual([]);
    const holdSecond = gate();
    state.held = holdSecond.promise;
    hold.open();
    await first;
    await settle();
    expect(resolved).toEqual([1]);
    holdSecond.open();
    await Promise.all(later);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(resolved).toEqual([1, 2, 3, 4]);
  });

  it("rejects every commit of a failed batch, and those waiting behind it, with what failed returns", async () => {
    const { commits, batches, failures, state } = recordingGroupCommit();
    const hold = gate();
    state.held = hold.promise;
    state.failOn = 2;
    const failedBatch = [1, 2].map((entry) => commits.commit(entry));
    await settle();
    const behind = commits.commit(3);
    hold.open();
    const outcomes = await Promise.allSettled([...failedBatch, behind]);
    const reasons = outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(reasons[0]).toBeInstanceOf(StorageError);
    expect(new Set(reasons).size).toBe(1);
    expect(reasons[0].cause).toBe(failures[0]);
    expect(failures).toHaveLength(1);
    expect(batches).toEqual([]);
    await expect(commits.lastCommit()).rejects.toBe(reasons[0]);
  });

  it("starts a new batch for commits made after a failure, and that batch works", async () => {
    const { commits, batches, state } = recordingGroupCommit();
    state.failOn = 1;
    await expect(commits.commit(1)).rejects.toBeInstanceOf(StorageError);
    await commits.flushed();
    await Promise.all([commits.commit(5), commits.commit(6)]);
    expect(batches).toEqual([[5, 6]]);
    await expect(commits.lastCommit()).resolves.toBeUndefined();
  });

  it("tells drained once every commit is durable, not after a failed batch", async () => {
    const { commits, state } = recordingGroupCommit();
    await Promise.all([commits.commit(1), commits.commit(2)]);
    await commits.flushed();
    expect(state.drained).toBe(1);
    state.failOn = 3;
    await expect(commits.commit(3)).rejects.toBeInstanceOf(StorageError);
    await commits.flushed();
    expect(state.drained).toBe(1);
  });

  it("resolves flushed only once the commits made so far are appended", async () => {
    const { commits, batches, state } = recordingGroupCommit();
    await expect(commits.flushed()).resolves.toBeUndefined();
    const hold = gate();
    state.held = hold.promise;
    const durable = commits.commit(1);
    let flushed = false;
    const waiting = commits.flushed().then(() => {
      flushed = true;
    });
    await settle();
    expect(flushed).toBe(false);
    hold.open();
    await waiting;
    expect(batches).toEqual([[1]]);
    await durable;
  });
});

let folder: string;
let file: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-group-commit-"));
  file = join(folder, "n.db");
});

afterEach(() => rm(folder, { recursive: true, force: true }));

async function keysIn(path: string): Promise<string[]> {
  const adapter = await openSqlJsAdapter({ persistence: filePersistence(path) });
  try {
    return (await adapter.all<{ k: string }>("SELECT k FROM t ORDER BY v")).map((row) => row.k);
  } finally {
    await adapter.close();
  }
}

describe("group commit in SqlJsAdapter on a file", () => {
  it("shares one sync among the saves made while another sync runs, resolving each after its own", async () => {
    const fileSystem = faultyFileSystem();
    const adapter = await openSqlJsAdapter({ persistence: filePersistence(file, { fileSystem }) });
    await adapter.run("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)");
    const syncs = () => fileSystem.calls.filter((call) => call.startsWith("fdatasync")).length;
    const before = syncs();

    let releaseFirst = () => {};
    fileSystem.holdSyncs = new Promise((resolve) => {
      releaseFirst = resolve;
    });
    const resolved: string[] = [];
    const first = adapter
      .run("INSERT INTO t VALUES ('first', 0)")
      .then(() => resolved.push("first"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    let releaseSecond = () => {};
    const secondSync = new Promise<void>((resolve) => {
      releaseSecond = resolve;
    });
    const others = Array.from({ length: 50 }, (_, i) =>
      adapter
        .run("INSERT INTO t VALUES (?, ?)", [`k${i}`, i + 1])
        .then(() => resolved.push(`k${i}`)),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(resolved).toEqual([]);

    fileSystem.holdSyncs = secondSync;
    releaseFirst();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(resolved).toEqual(["first"]);
    releaseSecond();
    await Promise.all(others);
    expect(resolved).toHaveLength(51);
    expect(syncs() - before).toBe(2);
    await adapter.close();
  });

  it("rejects every save of a failed sync, closes the adapter, and loses nothing acknowledged", async () => {
    const fileSystem = faultyFileSystem();
    const adapter = await openSqlJsAdapter({ persistence: filePersistence(file, { fileSystem }) });
    await adapter.run("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)");
    await adapter.run("INSERT INTO t VALUES ('kept', 0)");
    // The write, then the datasync after it.
    fileSystem.failAt = fileSystem.calls.length + 2;
    const saves = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        adapter.run("INSERT INTO t VALUES (?, ?)", [`lost${i}`, i + 1]),
      ),
    );
    expect(saves.every((save) => save.status === "rejected")).toBe(true);
    expect(fileSystem.injected.map((fault) => fault.call.split(" ")[0])).toEqual(["fdatasync"]);
    const reason = (saves[0] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(StorageError);
    expect(reason.message).toMatch(/could not be made durable.*injected fault/);
    await expect(adapter.all("SELECT * FROM t")).rejects.toBe(reason);
    await expect(adapter.run("INSERT INTO t VALUES ('after', 9)")).rejects.toBe(reason);
    await adapter.close();
    expect(await keysIn(file)).toEqual(["kept"]);
  });
});
