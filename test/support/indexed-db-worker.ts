/*
 * A dedicated worker that holds a store in IndexedDB for the browser tests: `open` opens
 * it and saves the given threads, `close` closes it; `burst` opens a store whose
 * checkpoints are due every 16 KiB, saves `count` threads, waits for the checkpoint workers
 * it started and closes it, answering how many it started. Each message is answered once
 * done.
 */
import { openNegotiationStore } from "../../src/index.js";
import { indexedDbPersistence } from "../../src/indexeddb.js";
import type { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { allEnded, withCountedWorkers } from "./counted-workers.js";
import { negotiation } from "./negotiations.js";

export type WorkerRequest =
  | { readonly type: "open"; readonly name: string; readonly threadIds: readonly string[] }
  | { readonly type: "close" }
  | {
      readonly type: "burst";
      readonly name: string;
      readonly count: number;
      /** The checkpoint worker's script, as a URL. */
      readonly script: string;
    };

export type WorkerReply =
  | { readonly ok: true; readonly workers?: number }
  | { readonly ok: false; readonly error: string };

let store: NegotiationStateStore | undefined;

function burst(request: Extract<WorkerRequest, { type: "burst" }>): Promise<number> {
  return withCountedWorkers(async (runs) => {
    const persistence = indexedDbPersistence(request.name, {
      checkpointBytes: 16 * 1024,
      checkpointWorkerScript: new URL(request.script),
    });
    const burstStore = await openNegotiationStore({ persistence });
    for (let i = 0; i < request.count; i++) await burstStore.save(negotiation(`w-${i}`));
    await allEnded(runs);
    await burstStore.close();
    return runs.length;
  });
}

self.onmessage = async ({ data }: MessageEvent<WorkerRequest>) => {
  try {
    if (data.type === "open") {
      store = await openNegotiationStore({ persistence: indexedDbPersistence(data.name) });
      for (const threadId of data.threadIds) await store.save(negotiation(threadId));
    } else if (data.type === "burst") {
      self.postMessage({ ok: true, workers: await burst(data) } satisfies WorkerReply);
      return;
    } else {
      await store?.close();
    }
    self.postMessage({ ok: true } satisfies WorkerReply);
  } catch (error) {
    self.postMessage({ ok: false, error: String(error) } satisfies WorkerReply);
  }
};
