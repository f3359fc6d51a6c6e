import { IDBDatabase, IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isNegotiationError, openNegotiationStore } from "../../src/index.js";
import { indexedDbPersistence } from "../../src/indexeddb.js";
import { roomToGrow } from "../../src/persistence/database-room.js";
import type { JournalEntry } from "../../src/persistence/persistence.js";
import { negotiation } from "../support/negotiations.js";

/** Gives this realm an IndexedDB shim (fake-indexeddb), empty. */
function stubIndexedDb(): void {
  vi.stubGlobal("indexedDB", new IDBFactory());
  vi.stubGlobal("IDBKeyRange", IDBKeyRange);
}

/**
 * Holds back the `complete` of the next readwrite transaction of `store` until the returned
 * function is called: its writes are done, but not yet reported.
 */
function delayCompletion(store: string): () => void {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const transaction = IDBDatabase.prototype.transaction;
  const spy = vi.spyOn(IDBDatabase.prototype, "transaction").mockImplementation(function (
    this: IDBDatabase,
    ...args
  ) {
    const opened = transaction.apply(this, args);
    if (args[1] !== "readwrite" || ![args[0]].flat().includes(store)) return opened;
    spy.mockRestore();
    opened.addEventListener("complete", (event) => {
      event.stopImmediatePropagation();
      void held.then(() => opened.oncomplete?.call(opened, event));
    });
    return opened;
  });
  return release;
}

const entry = (sequence: number): JournalEntry => ({
  sequence,
  statements: [{ sql: "INSERT INTO t VALUES (?)", params: [sequence] }],
});

// The IndexedDB target is tested in Chromium (*.browser.test.ts) and, through the
// conformance suite, on fake-indexeddb; here, what it does where a browser's storage or
// its Web Locks are missing, as in Node.
describe("indexedDbPersistence outside a browser", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("touches no browser global until it opens", () => {
    expect("indexedDB" in globalThis).toBe(false);
    expect(indexedDbPersistence("negotiations").location).toBe("indexeddb:negotiations");
  });

  it("refuses to open without IndexedDB, saying so", async () => {
    const refused = await indexedDbPersistence("negotiations")
      .open()
      .catch((error: unknown) => error);
    expect(isNegotiationError(refused, "STORAGE_FAILED")).toBe(true);
    expect((refused as Error).message).toBe(
      "Cannot open indexeddb:negotiations: IndexedDB is not available here",
    );
  });

  it("refuses to open an IndexedDB shim without IDBKeyRange, saying so", async () => {
    vi.stubGlobal("indexedDB", new IDBFactory());
    const refused = await indexedDbPersistence("negotiations")
      .open()
      .catch((error: unknown) => error);
    expect(isNegotiationError(refused, "STORAGE_FAILED")).toBe(true);
    expect((refused as Error).message).toBe(
      "Cannot open indexeddb:negotiations: IDBKeyRange is not available here",
    );
  });

  it("keeps in the journal the records appended while a checkpoint writes", async () => {
    stubIndexedDb();
    const persistence = indexedDbPersistence("folding");
    await persistence.open();
    await persistence.append?.([entry(1), entry(2)]);
    const image = new Uint8Array([1, 2, 3]);
    // As a browser may, when the snapshot is large: other stores' writes complete first.
    const snapshotWritten = delayCompletion("snapshot");
    const checkpoint = persistence.checkpoint(image);
    await persistence.append?.([entry(3)]);
    snapshotWritten();
    await checkpoint;
    expect(persistence.wantsCheckpoint?.()).toBe(false);
    await persistence.close();

    const reopened = indexedDbPersistence("folding");
    const stored = await reopened.open();
    expect(stored.snapshot).toEqual(image);
    expect(stored.journal).toEqual([entry(3)]);
    // What open found in the journal is due to be folded in.
    expect(reopened.wantsCheckpoint?.()).toBe(true);
    await reopened.close();
  });

  it("hands the snapshot over with room to grow, so the first new rows copy nothing", async () => {
    stubIndexedDb();
    const store = await openNegotiationStore({ persistence: indexedDbPersistence("room") });
    await store.save(negotiation("sized"));
    await store.close();

    const persistence = indexedDbPersistence("room");
    const { snapshot } = await persistence.open();
    const image = snapshot as Uint8Array;
    const view = new DataView(image.buffer, image.byteOffset);
    const imageBytes = view.getUint16(16) * view.getUint32(28);
    expect(image.length).toBe(imageBytes + roomToGrow(imageBytes));
    expect(image.subarray(imageBytes).every((byte) => byte === 0)).toBe(true);
    await persistence.close();
  });

  it("checkpoints on the writer's thread where no worker can start (Node)", async () => {
    stubIndexedDb();
    const persistence = indexedDbPersistence("no-workers");
    await persistence.open();
    expect(persistence.appendsDuringCheckpoint).toBe(true);
    expect(persistence.checkpointFromStored?.(0)).toBeUndefined();
    await persistence.close();
  });

  it("without Web Locks (an IndexedDB shim), keeps a second writer of this realm out", async () => {
    stubIndexedDb();
    const first = await openNegotiationStore({ persistence: indexedDbPersistence("shimmed") });
    await first.save(negotiation("held"));
    const refused = await openNegotiationStore({
      persistence: indexedDbPersistence("shimmed"),
    }).catch((error: unknown) => error);
    expect(isNegotiationError(refused, "DATABASE_LOCKED")).toBe(true);

    const waiting = openNegotiationStore({
      persistence: indexedDbPersistence("shimmed", { lockTimeout: 5000 }),
    });
    const timedOut = await openNegotiationStore({
      persistence: indexedDbPersistence("shimmed", { lockTimeout: 50 }),
    }).catch((error: unknown) => error);
    expect((timedOut as Error).message).toContain("after 50 ms");
    await first.close();
    const second = await waiting;
    expect((await second.loadActive()).map((row) => row.thread_id)).toEqual(["held"]);
    await second.close();
  });
});
