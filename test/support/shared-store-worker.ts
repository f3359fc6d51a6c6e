/*
 * A dedicated worker holding a store on one IndexedDB name for the shared-store browser
 * tests: a context of its own (its own BroadcastChannel, Web Locks, IndexedDB connection).
 * Each request is answered once done, with plain data.
 */
import { type NegotiationChange, openNegotiationStore } from "../../src/index.js";
import { indexedDbPersistence } from "../../src/indexeddb.js";
import type { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { negotiation } from "./negotiations.js";

export type SharedWorkerRequest =
  | { readonly type: "open"; readonly name: string }
  /** Saves each thread, all at once; answers each outcome: "ok" or the error's code. */
  | { readonly type: "save"; readonly threadIds: readonly string[] }
  | { readonly type: "threads" }
  | { readonly type: "heard" }
  /** Begins a transaction that saves a thread, then waits forever (until the worker ends). */
  | { readonly type: "hold"; readonly threadId: string }
  | { readonly type: "close" };

export type SharedWorkerReply =
  | { readonly ok: true; readonly value?: unknown }
  | { readonly ok: false; readonly error: string };

let store: NegotiationStateStore | undefined;
const heard: NegotiationChange[] = [];

async function answer(request: SharedWorkerRequest): Promise<unknown> {
  const opened = () => store as NegotiationStateStore;
  switch (request.type) {
    case "open":
      store = await openNegotiationStore({ persistence: indexedDbPersistence(request.name) });
      store.subscribe((change) => heard.push(change));
      return undefined;
    case "save":
      return Promise.all(
        request.threadIds.map((threadId) =>
          opened()
            .save(negotiation(threadId))
            .then(
              () => "ok",
              (error: { code?: string }) => error.code ?? String(error),
            ),
        ),
      );
    case "threads":
      return (await opened().loadActive()).map((row) => row.thread_id).sort();
    case "heard":
      return heard;
    case "hold":
      void opened().transaction(async (tx) => {
        await tx.save(negotiation(request.threadId));
        await new Promise(() => undefined);
      });
      // Long enough for the save to reach the writer's open transaction.
      await new Promise((resolve) => setTimeout(resolve, 300));
      return undefined;
    case "close":
      await store?.close();
      return undefined;
  }
}

self.onmessage = async ({ data }: MessageEvent<SharedWorkerRequest>) => {
  try {
    self.postMessage({ ok: true, value: await answer(data) } satisfies SharedWorkerReply);
  } catch (error) {
    self.postMessage({ ok: false, error: String(error) } satisfies SharedWorkerReply);
  }
};
