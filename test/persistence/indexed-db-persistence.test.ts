import { IDBFactory } from "fake-indexeddb";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isNegotiationError, openNegotiationStore } from "../../src/index.js";
import { indexedDbPersistence } from "../../src/indexeddb.js";
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
