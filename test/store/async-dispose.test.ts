import { describe, expect, it } from "vitest";
import { isNegotiationError } from "../../src/errors/negotiation-error.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import type { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { negotiation } from "../support/negotiations.js";
import { awaitUsingWithoutNativeSymbol } from "../support/realm-without-async-dispose.js";

describe("NegotiationStateStore and await using", () => {
  it("closes the store when the block ends: later calls reject as closed, and what it saved is kept and released", async () => {
    const persistence = memoryPersistence();
    let used: NegotiationStateStore | undefined;
    {
      await using store = await openNegotiationStore({ persistence });
      await store.save(negotiation("thread-1"));
      used = store;
    }
    const refused = await used.loadActive().catch((error: unknown) => error);
    expect(isNegotiationError(refused, "STORAGE_CLOSED")).toBe(true);
    // memoryPersistence refuses a second open while one is open, and keeps only what the
    // adapter checkpointed at close: reopening proves both.
    const reopened = await openNegotiationStore({ persistence });
    expect((await reopened.loadActive()).map((row) => row.thread_id)).toEqual(["thread-1"]);
    await reopened.close();
  });

  it("closes the store when the block throws", async () => {
    const persistence = memoryPersistence();
    let used: NegotiationStateStore | undefined;
    const failure = new Error("the agent failed mid-block");
    const thrown = await (async () => {
      await using store = await openNegotiationStore({ persistence });
      used = store;
      await store.save(negotiation("thread-1"));
      throw failure;
    })().catch((error: unknown) => error);
    expect(thrown).toBe(failure);
    const refused = await used?.save(negotiation("thread-2")).catch((error: unknown) => error);
    expect(isNegotiationError(refused, "STORAGE_CLOSED")).toBe(true);
    const reopened = await openNegotiationStore({ persistence });
    expect((await reopened.loadActive()).map((row) => row.thread_id)).toEqual(["thread-1"]);
    await reopened.close();
  });

  it("disposes with the promise of close(), so disposing and closing in any order close once", async () => {
    const store = await openNegotiationStore({ persistence: memoryPersistence() });
    const disposed = store[Symbol.asyncDispose]();
    expect(store.close()).toBe(disposed);
    expect(store[Symbol.asyncDispose]()).toBe(disposed);
    await disposed;
  });

  it("is disposable where the runtime has no Symbol.asyncDispose once the usual polyfill has run, as esbuild compiles await using", async () => {
    // The built package in a realm without Symbol.asyncDispose (as in browsers that lack
    // it), running `await using` as esbuild compiles it for ES2022.
    const result = await awaitUsingWithoutNativeSymbol(
      `
      const persistence = api.memoryPersistence();
      let used;
      {
        await using store = await api.openNegotiationStore({ persistence });
        await store.save(negotiation);
        used = store;
      }
      const refused = await used.loadActive().then(() => "not closed", (error) => error.code);
      const reopened = await api.openNegotiationStore({ persistence });
      const threads = (await reopened.loadActive()).map((row) => row.thread_id);
      await reopened.close();
      const prototype = Object.getPrototypeOf(used);
      return {
        refused,
        threads,
        disposer: typeof prototype[Symbol.for("Symbol.asyncDispose")],
        undefinedKey: Object.hasOwn(prototype, "undefined"),
      };
      `,
      { negotiation: negotiation("thread-1") },
    );
    expect(result.hasNativeSymbol).toBe(false);
    expect(result.value).toEqual({
      refused: "STORAGE_CLOSED",
      threads: ["thread-1"],
      disposer: "function",
      undefinedKey: false,
    });
  });
});
