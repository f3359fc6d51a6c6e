import { afterEach, describe, expect, it, vi } from "vitest";
import { isNegotiationError } from "../../src/index.js";
import { indexedDbPersistence } from "../../src/indexeddb.js";

// The IndexedDB target itself is tested in Chromium (*.browser.test.ts); here, what it does
// where the browser's storage is missing, as in Node.
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

  it("refuses to open without Web Locks, since a second writer could not be kept out", async () => {
    vi.stubGlobal("indexedDB", {});
    vi.stubGlobal("navigator", {});
    const refused = await indexedDbPersistence("negotiations")
      .open()
      .catch((error: unknown) => error);
    expect(isNegotiationError(refused, "STORAGE_FAILED")).toBe(true);
    expect((refused as Error).message).toContain("Web Locks (navigator.locks) are not available");
  });
});
