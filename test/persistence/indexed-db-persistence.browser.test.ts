import { afterEach, describe, expect, it, vi } from "vitest";
import { isNegotiationError, openNegotiationStore, openSqlJsAdapter } from "../../src/index.js";
import { indexedDbPersistence } from "../../src/indexeddb.js";
import type { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { copyDatabase } from "../conformance/indexed-db-target.js";
import { allEnded, type WorkerRun, withCountedWorkers } from "../support/counted-workers.js";
import type { WorkerReply, WorkerRequest } from "../support/indexed-db-worker.js";
import { negotiation } from "../support/negotiations.js";

/** The checkpoint worker as built (the sources have no script of it beside them). */
const BUILT_WORKER = new URL("/dist/indexed-db-checkpoint-worker.js", location.href);

let names = 0;
const freshName = () => `idb-test-${Date.now()}-${++names}`;

afterEach(() => vi.restoreAllMocks());

/** A dedicated worker running test/support/indexed-db-worker.ts. */
function startWorker() {
  const worker = new Worker(new URL("../support/indexed-db-worker.ts", import.meta.url), {
    type: "module",
  });
  const ask = (request: WorkerRequest) =>
    new Promise<WorkerReply>((resolve) => {
      worker.onmessage = ({ data }: MessageEvent<WorkerReply>) => resolve(data);
      worker.postMessage(request);
    });
  return { ask, stop: () => worker.terminate() };
}

describe("indexedDbPersistence", () => {
  it("works in a dedicated worker, and keeps a second writer of the target out with Web Locks", async () => {
    const name = freshName();
    const worker = startWorker();
    try {
      expect(await worker.ask({ type: "open", name, threadIds: ["w-1", "w-2", "w-3"] })).toEqual({
        ok: true,
      });
      // The target keeps a second writer out; a store here would forward to the worker's.
      const refused = await openSqlJsAdapter({ persistence: indexedDbPersistence(name) }).catch(
        (error: unknown) => error,
      );
      expect(isNegotiationError(refused, "DATABASE_LOCKED")).toBe(true);
      expect((refused as Error).message).toContain(`indexeddb:${name}`);
      expect((refused as Error).message).toContain("another tab, worker or page");

      const waiting = openSqlJsAdapter({
        persistence: indexedDbPersistence(name, { lockTimeout: 10_000 }),
      });
      expect(await worker.ask({ type: "close" })).toEqual({ ok: true });
      const adapter = await waiting;
      const rows = await adapter.all<{ thread_id: string }>(
        "SELECT thread_id FROM negotiation_state ORDER BY thread_id",
      );
      expect(rows.map((row) => row.thread_id)).toEqual(["w-1", "w-2", "w-3"]);
      await adapter.close();
    } finally {
      worker.stop();
    }
  });

  it("gives up waiting for the writer lock after lockTimeout", async () => {
    const name = freshName();
    const holder = await openNegotiationStore({ persistence: indexedDbPersistence(name) });
    const started = Date.now();
    const refused = await openSqlJsAdapter({
      persistence: indexedDbPersistence(name, { lockTimeout: 200 }),
    }).catch((error: unknown) => error);
    expect(isNegotiationError(refused, "DATABASE_LOCKED")).toBe(true);
    expect((refused as Error).message).toContain("after 200 ms");
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await holder.close();
  });

  it("writes each commit in one strict readwrite transaction", async () => {
    const opened: { stores: string[]; mode: string | undefined; durability: string | undefined }[] =
      [];
    watchTransactions((_, stores, mode, options) => {
      opened.push({ stores, mode, durability: options?.durability });
    });
    const store = await openNegotiationStore({ persistence: indexedDbPersistence(freshName()) });
    opened.length = 0;
    await Promise.all([store.save(negotiation("a")), store.save(negotiation("b"))]);
    await store.save(negotiation("c"));
    await store.close();
    const writes = opened.filter(({ mode }) => mode === "readwrite");
    expect(writes.length).toBeGreaterThanOrEqual(2);
    for (const write of writes) expect(write.durability).toBe("strict");
    // close()'s checkpoint: the snapshot, then the removal of the records it holds.
    expect(writes.slice(-2).map(({ stores }) => stores)).toEqual([["snapshot"], ["journal"]]);
  });

  it("refuses a damaged journal record, naming the database, and leaves it as it is", async () => {
    const name = freshName();
    const store = await openNegotiationStore({ persistence: indexedDbPersistence(name) });
    await store.save(negotiation("kept"));
    await store.save(negotiation("damaged"));
    const crashed = freshName();
    await copyDatabase(name, crashed);
    await store.close();

    const damaged = await editJournal(crashed, (records) => {
      const last = records.at(-1) as Uint8Array;
      const at = last.length - 2;
      last[at] = (last[at] as number) ^ 0xff;
      return last.slice();
    });
    const refused = await openNegotiationStore({
      persistence: indexedDbPersistence(crashed),
    }).catch((error: unknown) => error);
    expect(isNegotiationError(refused, "DATABASE_CORRUPT")).toBe(true);
    expect((refused as Error).message).toContain(`indexeddb:${crashed}`);
    expect((refused as Error).message).toMatch(/journal record \d+ fails its checksum/);
    expect(await editJournal(crashed, (records) => records.at(-1) as Uint8Array)).toEqual(damaged);
  });

  it("refuses a snapshot that is not SQLite and leaves it as it is", async () => {
    const name = freshName();
    const store = await openNegotiationStore({ persistence: indexedDbPersistence(name) });
    await store.close();
    const garbage = new TextEncoder().encode("not a database at all, but long enough to check");
    await putSnapshot(name, garbage);

    const refused = await openNegotiationStore({ persistence: indexedDbPersistence(name) }).catch(
      (error: unknown) => error,
    );
    expect(isNegotiationError(refused, "DATABASE_CORRUPT")).toBe(true);
    expect((refused as Error).message).toContain(`indexeddb:${name}`);
    expect(await getSnapshot(name)).toEqual(garbage);
    // The refusal released the lock: another open is not told the database is locked.
    const again = await openNegotiationStore({ persistence: indexedDbPersistence(name) }).catch(
      (error: unknown) => error,
    );
    expect(isNegotiationError(again, "DATABASE_CORRUPT")).toBe(true);
  });
});

describe("indexedDbPersistence checkpoints in a dedicated worker", () => {
  /**
   * Opens `name` with checkpoints due every 16 KiB and the worker `script` (or none),
   * watching the stores of the page's readwrite transactions of it.
   */
  async function openWatched(name: string, script: URL | false) {
    const writes: string[][] = [];
    watchTransactions((database, stores, mode) => {
      if (mode === "readwrite" && database.name === name) writes.push(stores);
    });
    const store = await openNegotiationStore({
      persistence: indexedDbPersistence(
        name,
        script === false
          ? { checkpointBytes: 16 * 1024, checkpointInWorker: false }
          : { checkpointBytes: 16 * 1024, checkpointWorkerScript: script },
      ),
    });
    return { store, writes };
  }

  /** The threads a crash now would leave: those of a copy of the database, opened. */
  async function threadsAfterCrash(name: string): Promise<string[]> {
    const copy = freshName();
    await copyDatabase(name, copy);
    const store = await openNegotiationStore({
      persistence: indexedDbPersistence(copy, { checkpointInWorker: false }),
    });
    try {
      return (await store.loadActive()).map((row) => row.thread_id).sort();
    } finally {
      await store.close();
    }
  }

  /**
   * Saves `threadIds` one by one; every 60 saves, checks that a crash would leave every
   * thread saved so far, whether a checkpoint is under way or not.
   *
   * @returns When each save was acknowledged.
   */
  async function saveAndCrashCopy(
    store: NegotiationStateStore,
    name: string,
    threadIds: readonly string[],
  ): Promise<number[]> {
    const acknowledged: number[] = [];
    for (const threadId of threadIds) {
      await store.save(negotiation(threadId));
      acknowledged.push(performance.now());
      if (acknowledged.length % 60 === 0) {
        expect(await threadsAfterCrash(name)).toEqual(threadIds.slice(0, acknowledged.length));
      }
    }
    return acknowledged;
  }

  const threads = (count: number) =>
    Array.from({ length: count }, (_, i) => `t-${String(i).padStart(3, "0")}`);

  it("writes the snapshot from a worker while saves go on; the page writes only the journal", async () =>
    withCountedWorkers(async (runs) => {
      const name = freshName();
      const { store, writes } = await openWatched(name, BUILT_WORKER);
      const acknowledged = await saveAndCrashCopy(store, name, threads(300));
      await allEnded(runs);

      // On a loaded machine one worker may take the whole run.
      expect(runs.length).toBeGreaterThanOrEqual(1);
      expect(writes.filter((stores) => stores.includes("snapshot"))).toEqual([]);
      // The save that called for a checkpoint may be acknowledged after it began: saves
      // going on means many.
      const savedDuring = (run: WorkerRun) =>
        acknowledged.filter((at) => at > run.started && at < (run.ended as number)).length;
      expect(Math.max(...runs.map(savedDuring))).toBeGreaterThanOrEqual(5);
      // The workers' snapshots hold what they took out of the journal.
      const stored = await storedCounts(name);
      expect(stored.snapshot).toBe(true);
      expect(stored.journalRecords).toBeLessThan(300);
      expect(await threadsAfterCrash(name)).toEqual(threads(300));
      await store.close();
    }));

  it("with checkpointInWorker: false, writes the page's image; a crash loses nothing", async () =>
    withCountedWorkers(async (runs) => {
      const name = freshName();
      const { store, writes } = await openWatched(name, false);
      await saveAndCrashCopy(store, name, threads(300));
      await new Promise((resolve) => setTimeout(resolve, 200));

      expect(runs).toEqual([]);
      expect(writes.filter((stores) => stores.includes("snapshot")).length).toBeGreaterThan(2);
      expect((await storedCounts(name)).journalRecords).toBeLessThan(300);
      expect(await threadsAfterCrash(name)).toEqual(threads(300));
      await store.close();
    }));

  it("takes the image on the page from then on when the worker cannot start", async () =>
    withCountedWorkers(async (runs) => {
      const name = freshName();
      const missing = new URL("/no-such-checkpoint-worker.js", location.href);
      const { store, writes } = await openWatched(name, missing);
      for (const threadId of threads(120)) await store.save(negotiation(threadId));
      await allEnded(runs);

      expect(runs.map((run) => run.script)).toEqual([missing.href]);
      expect(writes.filter((stores) => stores.includes("snapshot")).length).toBeGreaterThan(0);
      expect((await storedCounts(name)).journalRecords).toBeLessThan(120);
      expect(await threadsAfterCrash(name)).toEqual(threads(120));
      await store.close();
    }));

  it("starts its workers from a dedicated worker too", async () => {
    const name = freshName();
    const worker = startWorker();
    try {
      const reply = await worker.ask({
        type: "burst",
        name,
        count: 200,
        script: BUILT_WORKER.href,
      });
      expect(reply).toEqual({ ok: true, workers: expect.any(Number) });
      expect((reply as { workers: number }).workers).toBeGreaterThanOrEqual(1);
      expect(await threadsAfterCrash(name)).toEqual(
        Array.from({ length: 200 }, (_, i) => `w-${i}`).sort(),
      );
    } finally {
      worker.stop();
    }
  });
});

/** Calls `seen` with each transaction the page opens from now on, before it is opened. */
function watchTransactions(
  seen: (
    database: IDBDatabase,
    stores: string[],
    mode: IDBTransactionMode | undefined,
    options: IDBTransactionOptions | undefined,
  ) => void,
): void {
  const transaction = IDBDatabase.prototype.transaction;
  vi.spyOn(IDBDatabase.prototype, "transaction").mockImplementation(function (
    this: IDBDatabase,
    stores,
    mode,
    options,
  ) {
    seen(this, typeof stores === "string" ? [stores] : [...stores], mode, options);
    return transaction.call(this, stores, mode, options);
  });
}

/** Whether `name` holds a snapshot, and how many journal records. */
function storedCounts(name: string): Promise<{ snapshot: boolean; journalRecords: number }> {
  return withDatabase(name, async (database) => ({
    snapshot: (await run(database, "snapshot", (s) => s.get("image"))) instanceof Uint8Array,
    journalRecords: await run(database, "journal", (journal) => journal.count()),
  }));
}

async function withDatabase<T>(
  name: string,
  body: (database: IDBDatabase) => Promise<T>,
): Promise<T> {
  const database = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    return await body(database);
  } finally {
    database.close();
  }
}

function run<T>(
  database: IDBDatabase,
  store: string,
  body: (objects: IDBObjectStore) => IDBRequest<T>,
) {
  return new Promise<T>((resolve, reject) => {
    const request = body(database.transaction(store, "readwrite").objectStore(store));
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Replaces the last journal record with what `edit` returns; returns it. */
function editJournal(
  name: string,
  edit: (records: Uint8Array[]) => Uint8Array,
): Promise<Uint8Array> {
  return withDatabase(name, async (database) => {
    const keys = await run(database, "journal", (journal) => journal.getAllKeys());
    const records = await run(database, "journal", (journal) => journal.getAll());
    const edited = edit(records as Uint8Array[]);
    await run(database, "journal", (journal) => journal.put(edited, keys.at(-1) as IDBValidKey));
    return edited;
  });
}

function putSnapshot(name: string, bytes: Uint8Array): Promise<IDBValidKey> {
  return withDatabase(name, (database) => run(database, "snapshot", (s) => s.put(bytes, "image")));
}

function getSnapshot(name: string): Promise<unknown> {
  return withDatabase(name, (database) => run(database, "snapshot", (s) => s.get("image")));
}
