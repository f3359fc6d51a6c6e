/*
 * A fresh realm for the browser tests of WASM configs: sql.js initialises once per realm.
 * It opens one adapter after another, in this one realm, with each `locateFile` URL given
 * (`null` for no config), and answers with what happened to each.
 */
import { memoryPersistence, openSqlJsAdapter } from "../../src/index.js";

export type ConfigOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: string; readonly detail: string };

self.onmessage = async ({ data: wasmUrls }: MessageEvent<(string | null)[]>) => {
  const outcomes: ConfigOutcome[] = [];
  for (const wasmUrl of wasmUrls) {
    try {
      const adapter = await openSqlJsAdapter({
        persistence: memoryPersistence(),
        ...(wasmUrl !== null && { sqlJs: { locateFile: () => wasmUrl } }),
      });
      await adapter.all("SELECT sqlite_version()");
      await adapter.close();
      outcomes.push({ ok: true });
    } catch (error) {
      const { code, detail } = error as { code: string; detail: string };
      outcomes.push({ ok: false, code, detail });
    }
  }
  self.postMessage(outcomes);
};
