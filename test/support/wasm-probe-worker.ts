/*
 * A fresh realm for the browser tests of WASM loading: sql.js initialises once per realm,
 * so each probe is its own worker. It opens a store with the given `locateFile` URL (or
 * none) and answers with what happened.
 */
import { memoryPersistence, openNegotiationStore } from "../../src/index.js";

export type ProbeReply = { readonly ok: true } | { readonly ok: false; readonly error: string };

self.onmessage = async ({ data: wasmUrl }: MessageEvent<string | null>) => {
  try {
    const store = await openNegotiationStore({
      persistence: memoryPersistence(),
      ...(wasmUrl !== null && { sqlJs: { locateFile: () => wasmUrl } }),
    });
    await store.close();
    self.postMessage({ ok: true } satisfies ProbeReply);
  } catch (error) {
    self.postMessage({ ok: false, error: String(error) } satisfies ProbeReply);
  }
};
