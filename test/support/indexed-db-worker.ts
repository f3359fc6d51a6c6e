/*
 * A dedicated worker that holds a store in IndexedDB for the browser tests: `open` opens
 * it and saves the given threads, `close` closes it. Each message is answered once done.
 */
import { openNegotiationStore } from "../../src/index.js";
import { indexedDbPersistence } from "../../src/indexeddb.js";
import type { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { negotiation } from "./negotiations.js";

export type WorkerRequest =
  | { readonly type: "open"; readonly name: string; readonly threadIds: readonly string[] }
  | { readonly type: "close" };

export type WorkerReply = { readonly ok: true } | { readonly ok: false; readonly error: string };

let store: NegotiationStateStore | undefined;

self.onmessage = async ({ data }: MessageEvent<WorkerRequest>) => {
  try {
    if (data.type === "open") {
      store = await openNegotiationStore({ persistence: indexedDbPersistence(data.name) });
      for (const threadId of data.threadIds) await store.save(negotiation(threadId));
    } else {
      await store?.close();
    }
    self.postMessage({ ok: true } satisfies WorkerReply);
  } catch (error) {
    self.postMessage({ ok: false, error: String(error) } satisfies WorkerReply);
  }
};
