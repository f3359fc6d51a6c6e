import { afterEach, describe, expect, it, vi } from "vitest";
import { isNegotiationError, openNegotiationStore } from "../../src/index.js";
import { indexedDbPersistence } from "../../src/indexeddb.js";
import { copyDatabase } from "../conformance/indexed-db-target.js";
import type { WorkerReply, WorkerRequest } from "../support/indexed-db-worker.js";
import { negotiation } from "../support/negotiations.js";

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
  it("works in a dedicated worker, and keeps a second writer out with Web Locks", async () => {
    const name = freshName();
    const worker = startWorker();
    try {
      expect(await worker.ask({ type: "open", name, threadIds: ["w-1", "w-2", "w-3"] })).toEqual({
        ok: true,
      });
      const refused = await openNegotiationStore({ persistence: indexedDbPersistence(name) }).catch(
        (error: unknown) => error,
      );
      expect(isNegotiationError(refused, "DATABASE_LOCKED")).toBe(true);
      expect((refused as Error).message).toContain(`indexeddb:${name}`);
      expect((refused as Error).message).toContain("another tab, worker or page");

      const waiting = openNegotiationStore({
        persistence: indexedDbPersistence(name, { lockTimeout: 10_000 }),
      });
      expect(await worker.ask({ type: "close" })).toEqual({ ok: true });
      const store = await waiting;
      expect((await store.loadActive()).map((row) => row.thread_id)).toEqual(["w-1", "w-2", "w-3"]);
      await store.close();
    } finally {
      worker.stop();
    }
  });

  it("gives up waiting for the lock after lockTimeout", async () => {
    const name = freshName();
    const holder = await openNegotiationStore({ persistence: indexedDbPersistence(name) });
    const started = Date.now();
    const refused = await openNegotiationStore({
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
    const transaction = IDBDatabase.prototype.transaction;
    vi.spyOn(IDBDatabase.prototype, "transaction").mockImplementation(function (
      this: IDBDatabase,
      stores,
      mode,
      options,
    ) {
      opened.push({
        stores: typeof stores === "string" ? [stores] : [...stores],
        mode,
        durability: options?.durability,
      });
      return transaction.call(this, stores, mode, options);
    });
    const store = await openNegotiationStore({ persistence: indexedDbPersistence(freshName()) });
    opened.length = 0;
    await Promise.all([store.save(negotiation("a")), store.save(negotiation("b"))]);
    await store.save(negotiation("c"));
    await store.close();
    const writes = opened.filter(({ mode }) => mode === "readwrite");
    expect(writes.length).toBeGreaterThanOrEqual(2);
    for (const write of writes) expect(write.durability).toBe("strict");
    expect(writes.at(-1)?.stores).toEqual(["snapshot", "journal"]);
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
