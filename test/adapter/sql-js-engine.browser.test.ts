import { describe, expect, it } from "vitest";
import type { ProbeReply } from "../support/wasm-probe-worker.js";
import type { ConfigOutcome } from "./wasm-configs-worker.js";

/** Opens a store in a new worker (a new realm) with `locateFile` giving `wasmUrl`. */
function probe(wasmUrl: string | null): Promise<ProbeReply> {
  const worker = new Worker(new URL("../support/wasm-probe-worker.ts", import.meta.url), {
    type: "module",
  });
  return new Promise<ProbeReply>((resolve) => {
    worker.onmessage = ({ data }: MessageEvent<ProbeReply>) => resolve(data);
    worker.postMessage(wasmUrl);
  }).finally(() => worker.terminate());
}

/** Opens adapters one after another in one new worker (one realm), one per `locateFile` URL. */
function openInOneRealm(wasmUrls: (string | null)[]): Promise<ConfigOutcome[]> {
  const worker = new Worker(new URL("./wasm-configs-worker.ts", import.meta.url), {
    type: "module",
  });
  return new Promise<ConfigOutcome[]>((resolve) => {
    worker.onmessage = ({ data }: MessageEvent<ConfigOutcome[]>) => resolve(data);
    worker.postMessage(wasmUrls);
  }).finally(() => worker.terminate());
}

describe("loading sql.js's WASM in a browser", () => {
  it("needs no configuration", async () => {
    expect(await probe(null)).toEqual({ ok: true });
  });

  it("follows locateFile", async () => {
    const served = new URL("/node_modules/sql.js/dist/sql-wasm.wasm", location.href).href;
    expect(await probe(served)).toEqual({ ok: true });
  });

  it("names a WASM that is not there, and how to fix it", async () => {
    const missing = new URL("/nowhere/sql-wasm.wasm", location.href).href;
    const reply = await probe(missing);
    expect(reply.ok).toBe(false);
    expect(!reply.ok && reply.error).toContain(
      `Cannot load SQLite's WASM from ${missing}: HTTP 404`,
    );
    expect(!reply.ok && reply.error).toContain("sqlJs.locateFile");
  });

  it("names a file that is not WebAssembly", async () => {
    const page = new URL("/package.json", location.href).href;
    const reply = await probe(page);
    expect(!reply.ok && reply.error).toContain(`${page}: it is not WebAssembly`);
  });

  it("gives each adapter of one realm the WASM it names, or fails it: never the first one's", async () => {
    const served = new URL("/node_modules/sql.js/dist/sql-wasm.wasm", location.href).href;
    const missing = new URL("/nowhere/sql-wasm.wasm", location.href).href;
    const another = new URL("/node_modules/sql.js/dist/sql-wasm-debug.wasm", location.href).href;
    const outcomes = await openInOneRealm([null, missing, served, another, null]);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false, true, false, true]);
    const [, notThere, , notTheSame] = outcomes as { detail: string; code: string }[];
    expect(notThere?.code).toBe("STORAGE_FAILED");
    expect(notThere?.detail).toContain(`Cannot load SQLite's WASM from ${missing}: HTTP 404`);
    expect(notTheSame?.code).toBe("STORAGE_FAILED");
    expect(notTheSame?.detail).toContain(`Cannot load SQLite with the WASM from ${another}`);
  });
});
