import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  memoryPersistence,
  type NegotiationChange,
  openNegotiationStore,
} from "../../src/index.js";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import { faultyFileSystem } from "../support/faulty-file-system.js";
import { negotiation } from "../support/negotiations.js";

// What the conformance suite cannot show on every target: when a change is heard, and what
// a listener that throws does.
describe("NegotiationStateStore.subscribe", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("tells of a save only once it is durable", async () => {
    const folder = await mkdtemp(join(tmpdir(), "negotiation-state-subscribe-"));
    try {
      const fileSystem = faultyFileSystem();
      const store = await openNegotiationStore({
        persistence: filePersistence(join(folder, "negotiations.db"), { fileSystem }),
      });
      const heard: NegotiationChange[] = [];
      store.subscribe((change) => heard.push(change));
      let releaseSyncs = () => {};
      fileSystem.holdSyncs = new Promise((resolve) => {
        releaseSyncs = resolve;
      });
      const saved = store.save(negotiation("held"));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fileSystem.calls.at(-1)).toMatch(/^fdatasync /);
      expect(heard).toEqual([]);
      releaseSyncs();
      fileSystem.holdSyncs = undefined;
      await saved;
      expect(heard).toEqual([{ threadId: "held", state: "awaiting_reply", kind: "save" }]);
      await store.close();
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("reports what a listener throws, and the save and the other listeners go on", async () => {
    const reported: unknown[] = [];
    vi.stubGlobal("reportError", (error: unknown) => reported.push(error));
    const store = await openNegotiationStore({ persistence: memoryPersistence() });
    const failure = new Error("listener failed");
    store.subscribe(() => {
      throw failure;
    });
    const heard: string[] = [];
    store.subscribe(({ threadId }) => heard.push(threadId));
    await store.save(negotiation("a"));
    expect(heard).toEqual(["a"]);
    expect(reported).toEqual([failure]);
    expect((await store.load("a"))?.threadId).toBe("a");
    await store.close();
  });

  it("calls a function subscribed twice twice, and each unsubscribe removes one", async () => {
    const store = await openNegotiationStore({ persistence: memoryPersistence() });
    const heard: string[] = [];
    const listener = ({ threadId }: NegotiationChange) => heard.push(threadId);
    const first = store.subscribe(listener);
    store.subscribe(listener);
    await store.save(negotiation("twice"));
    first();
    await store.save(negotiation("once"));
    expect(heard).toEqual(["twice", "twice", "once"]);
    await store.close();
  });
});
