import { errorMessage } from "../errors/negotiation-error.js";
import { StorageError } from "../persistence/errors.js";
import type { SqlJsConfig } from "./sql-js-engine.js";

/**
 * Where the WASM a config asks for is: its bytes, given or fetched, or (on disk) a file that
 * sql.js reads itself, at the path `locateFile` gives (beside sql.js's script without one).
 */
export type WasmLocation =
  | {
      readonly kind: "bytes";
      readonly bytes: Uint8Array;
      /** Where the bytes came from, for messages: a URL, or `sqlJs.wasmBinary`. */
      readonly where: string;
    }
  | {
      readonly kind: "disk";
      readonly locateFile: SqlJsConfig["locateFile"];
    };

/** The file sql.js asks for. */
export const WASM_FILE = "sql-wasm.wasm";

/**
 * Finds the WASM a config asks for. Off disk (pages, workers, extensions) it is fetched
 * here: the copy shipped beside this module (the literal
 * `new URL("./sql-wasm.wasm", import.meta.url)` is the pattern Vite and webpack 5 recognise
 * to emit it with the bundle), or the one `locateFile` names. Fetching it here names a
 * missing file clearly, where sql.js would abort with an unhandled rejection of its own. On
 * disk (Node, Deno, Bun) sql.js reads it itself; its own copy always matches its script.
 *
 * @param config - The adapter's WASM overrides, if any.
 * @returns The bytes, or on disk the lookup to hand sql.js.
 * @throws `StorageError` naming the URL when the WASM cannot be fetched or is not WASM.
 */
export async function locateWasm(config: SqlJsConfig | undefined): Promise<WasmLocation> {
  const given = config?.wasmBinary;
  if (given) {
    const bytes = given instanceof Uint8Array ? given : new Uint8Array(given);
    return { kind: "bytes", bytes, where: "sqlJs.wasmBinary" };
  }
  let shipped: URL;
  try {
    // Written out in full: bundlers recognise only a literal string here.
    shipped = new URL("./sql-wasm.wasm", import.meta.url);
  } catch {
    // A CommonJS build has no import.meta; CommonJS means a runtime with files.
    return { kind: "disk", locateFile: config?.locateFile };
  }
  if (shipped.protocol === "file:") return { kind: "disk", locateFile: config?.locateFile };
  // As sql.js would: its script's folder (in a bundle, this module's) as the prefix, and a
  // relative answer taken from the page or worker.
  const url = config?.locateFile
    ? new URL(
        config.locateFile(WASM_FILE, new URL(".", shipped).href),
        globalThis.location?.href ?? shipped,
      )
    : shipped;
  return { kind: "bytes", bytes: await fetchWasm(url), where: url.href };
}

async function fetchWasm(url: URL): Promise<Uint8Array> {
  const failure = (detail: string, cause?: unknown) =>
    new StorageError(
      `Cannot load SQLite's WASM from ${url.href}: ${detail}. A bundler that does not emit it beside the bundle (esbuild) needs negotiation-state/sql-wasm.wasm copied there, or sqlJs.locateFile to say where it is`,
      { cause },
    );
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw failure(errorMessage(cause), cause);
  }
  if (!response.ok) throw failure(`HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!isWasm(bytes)) {
    throw failure(
      `it is not WebAssembly (${response.headers.get("content-type") ?? "no content type"})`,
    );
  }
  return bytes;
}

function isWasm(bytes: Uint8Array): boolean {
  return bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}
