import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { isNegotiationError, openNegotiationStore } from "../../src/index.js";
import { indexedDbPersistence } from "../../src/indexeddb.js";
import type { JournalEntry } from "../../src/persistence/persistence.js";
import { negotiation } from "../support/negotiations.js";

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

  it("without Web Locks (an IndexedDB shim), keeps a second writer of this realm out", async () => {
    vi.stubGlobal("indexedDB", new IDBFactory());
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

describe("an IndexedDB checkpoint written while saves go on", () => {
  afterEach(() => vi.unstubAllGlobals());

  const entry = (sequence: number, sql: string): JournalEntry => ({
    sequence,
    statements: [{ sql, params: [] }],
  });
  const ENTRIES = [
    entry(1, "CREATE TABLE t (k INTEGER PRIMARY KEY)"),
    entry(2, "INSERT INTO t VALUES (1)"),
    entry(3, "INSERT INTO t VALUES (2)"),
  ];

  /** The image a checkpoint of ENTRIES writes. */
  async function imageOfEntries(): Promise<Uint8Array> {
    let image: Uint8Array | undefined;
    const adapter = await openSqlJsAdapter({
      persistence: {
        location: "image",
        open: async () => ({ snapshot: null, journal: ENTRIES }),
        append: async () => {},
        checkpoint: async (snapshot) => {
          image = snapshot;
        },
        close: async () => {},
      },
    });
    await adapter.close();
    return image as Uint8Array;
  }

  // With IDBKeyRange (fake-indexeddb/auto, browsers) the journal is cut by one range
  // delete; a shim of indexedDB alone gets a delete per key.
  for (const withKeyRange of [true, false]) {
    it(`keeps the entries appended meanwhile, and drops those the snapshot holds${withKeyRange ? "" : " (no IDBKeyRange)"}`, async () => {
      vi.stubGlobal("indexedDB", new IDBFactory());
      if (withKeyRange) vi.stubGlobal("IDBKeyRange", IDBKeyRange);
      const image = await imageOfEntries();
      const persistence = indexedDbPersistence("alongside");
      expect(persistence.appendsDuringCheckpoint).toBe(true);
      await persistence.open();
      await persistence.append?.(ENTRIES);
      const settled: string[] = [];
      const checkpointing = persistence.checkpoint(image).then(() => settled.push("checkpoint"));
      await persistence.append?.([entry(4, "INSERT INTO t VALUES (4)")]);
      settled.push("append");
      await persistence.append?.([entry(5, "INSERT INTO t VALUES (5)")]);
      await checkpointing;
      expect(settled[0], "an append is not queued behind the snapshot's write").toBe("append");
      await persistence.close();

      const read = indexedDbPersistence("alongside");
      const stored = await read.open();
      expect(stored.journal.map((kept) => kept.sequence)).toEqual([4, 5]);
      await read.close();
      const adapter = await openSqlJsAdapter({ persistence: indexedDbPersistence("alongside") });
      expect(await adapter.all("SELECT k FROM t ORDER BY k")).toEqual(
        [1, 2, 4, 5].map((k) => ({ k })),
      );
      await adapter.close();
    });
  }
});
