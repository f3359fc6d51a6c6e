import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  isNegotiationError,
  openNegotiationStore,
  WebLocksUnavailableError,
} from "../../src/index.js";
import { indexedDbPersistence } from "../../src/indexeddb.js";
import { realmLockRequester, writerLockRequester } from "../../src/persistence/web-lock.js";
import { negotiation } from "../support/negotiations.js";

// Which lock keeps a second IndexedDB writer out, runtime by runtime. A real browser without
// Web Locks is tested in Chromium (test/reliability/insecure-context.test.ts); here, the
// signals each runtime shows, and Node with a DOM emulation's globals.
describe("the writer's lock without Web Locks", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("in Node beside a DOM emulation's globals (window, isSecureContext false), is the realm's lock", async () => {
    // What jsdom or happy-dom put on globalThis; Node 20 has no navigator.locks.
    vi.stubGlobal("indexedDB", new IDBFactory());
    vi.stubGlobal("IDBKeyRange", IDBKeyRange);
    vi.stubGlobal("window", globalThis);
    vi.stubGlobal("document", {});
    vi.stubGlobal("isSecureContext", false);
    expect(writerLockRequester("indexeddb:emulated")).toBe(realmLockRequester());

    const first = await openNegotiationStore({ persistence: indexedDbPersistence("emulated") });
    await first.save(negotiation("held"));
    const second = await openNegotiationStore({
      persistence: indexedDbPersistence("emulated"),
    }).catch((error: unknown) => error);
    expect(isNegotiationError(second, "DATABASE_LOCKED")).toBe(true);
    await first.close();
  });

  it("is the realm's lock where Bun or Deno is known, and the Web Locks wherever there are some", () => {
    const bun = { Bun: {}, process: { versions: { node: "24.3.0", bun: "1.4.5" } } };
    expect(writerLockRequester("indexeddb:x", bun)).toBe(realmLockRequester());
    expect(writerLockRequester("indexeddb:x", { Deno: {} })).toBe(realmLockRequester());
    const locks = {} as LockManager;
    expect(
      writerLockRequester("indexeddb:x", { navigator: { locks }, isSecureContext: true }),
    ).toBe(locks);
  });

  it("refuses a page that is not a secure context, naming its origin and what to do", () => {
    const page = {
      navigator: {},
      isSecureContext: false,
      document: {},
      location: { origin: "http://192.168.1.20:8080" },
    };
    const refusal = refusalOf(() => writerLockRequester("indexeddb:negotiations", page));
    expect(refusal).toBeInstanceOf(WebLocksUnavailableError);
    expect(refusal).toMatchObject({
      code: "WEB_LOCKS_UNAVAILABLE",
      location: "indexeddb:negotiations",
      secureContext: false,
      message:
        "Cannot open indexeddb:negotiations for writing: this page (http://192.168.1.20:8080) is not a secure context, so the browser gives it no Web Locks (navigator.locks), and without them nothing keeps another tab of this origin from writing the database beside this one, losing saves either was told were durable; serve it over https, or from localhost, 127.0.0.1 or [::1]",
    });
  });

  it("refuses a browser's worker, a browser without Web Locks, and a bundle's process shim", () => {
    const worker = {
      navigator: {},
      isSecureContext: false,
      location: { origin: "http://nas.local" },
    };
    expect(refusalOf(() => writerLockRequester("indexeddb:n", worker)).message).toContain(
      "this worker (http://nas.local) is not a secure context",
    );
    const oldBrowser = {
      isSecureContext: true,
      document: {},
      location: { origin: "https://a.example" },
    };
    expect(refusalOf(() => writerLockRequester("indexeddb:n", oldBrowser))).toMatchObject({
      secureContext: true,
      message: expect.stringContaining(
        "this browser gives this page (https://a.example) no Web Locks (navigator.locks)",
      ),
    });
    // Bundlers' `process` shims carry env, not a Node version: still a browser.
    const shimmed = { ...worker, process: { env: { NODE_ENV: "production" }, versions: {} } };
    expect(refusalOf(() => writerLockRequester("indexeddb:n", shimmed))).toBeInstanceOf(
      WebLocksUnavailableError,
    );
  });
});

function refusalOf(open: () => unknown): WebLocksUnavailableError {
  try {
    open();
  } catch (error) {
    return error as WebLocksUnavailableError;
  }
  throw new Error("it was not refused");
}
