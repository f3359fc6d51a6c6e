import { errorMessage } from "../errors/negotiation-error.js";
import { StorageError } from "../persistence/errors.js";
import type { SqlValue } from "./storage-adapter.js";

/**
 * How to load sql.js's WASM when the default lookup does not fit (e.g. in an extension).
 * sql.js is loaded once per JavaScript realm: the config of the first adapter opened is the
 * one that counts, and every later adapter shares that engine.
 *
 * @example
 * // In an MV3 extension that ships the WASM at its root:
 * const sqlJs = { locateFile: () => chrome.runtime.getURL("sql-wasm.wasm") };
 * const store = await openNegotiationStore({ persistence, sqlJs });
 */
export interface SqlJsConfig {
  /**
   * Says where the WASM is.
   *
   * @param file - The file name sql.js asks for: `sql-wasm.wasm`.
   * @param prefix - The folder of the script that asks, ending in `/`.
   * @returns A URL or, on disk, a path; a relative URL is taken from the page or worker.
   */
  readonly locateFile?: (file: string, prefix: string) => string;
  /** The WASM bytes themselves; no lookup happens. */
  readonly wasmBinary?: ArrayBuffer | Uint8Array;
}

/** The subset of a sql.js prepared statement this package uses. */
export interface SqlJsStatement {
  bind(values?: readonly SqlValue[]): boolean;
  step(): boolean;
  get(): SqlValue[];
  getColumnNames(): string[];
  reset(): void;
  free(): boolean;
}

/** The subset of a sql.js database this package uses (sql.js >= 1.15.2). */
export interface SqlJsDatabase {
  run(sql: string, params?: readonly SqlValue[]): unknown;
  exec(sql: string): unknown;
  prepare(sql: string): SqlJsStatement;
  getRowsModified(): number;
  export(): Uint8Array;
  close(): void;
}

/** The subset of the initialised sql.js module this package uses. */
export interface SqlJsStatic {
  readonly Database: new (data?: Uint8Array) => SqlJsDatabase;
}

type InitSqlJs = (config?: SqlJsConfig) => Promise<SqlJsStatic>;

let engine: Promise<SqlJsStatic> | undefined;

/**
 * Loads and initialises sql.js, once per JavaScript realm: sql.js itself keeps the first
 * initialisation, so the config of the first adapter opened is the one that counts and
 * every later adapter shares that engine; a failed first load fails every later one too.
 * Without a config, the WASM is found by itself: on disk (Node, Deno, Bun) sql.js reads the
 * one beside its own script; elsewhere (pages, workers, extensions) the copy this package
 * ships beside its build is fetched, which bundlers emit as an asset, or the one
 * `locateFile` names.
 *
 * @param config - Overrides for finding the WASM, used by the first call.
 * @returns The initialised sql.js module.
 * @throws `StorageError` saying why sql.js or its WASM could not be loaded.
 */
export function loadSqlJs(config?: SqlJsConfig): Promise<SqlJsStatic> {
  engine ??= initialise(config);
  return engine;
}

async function initialise(config: SqlJsConfig | undefined): Promise<SqlJsStatic> {
  try {
    const wasmBinary = config?.wasmBinary ?? (await fetchWasm(config?.locateFile));
    const module = (await import("sql.js")) as unknown as { default?: InitSqlJs } & InitSqlJs;
    const init = module.default ?? module;
    return await init(wasmBinary ? { wasmBinary } : config);
  } catch (cause) {
    if (cause instanceof StorageError) throw cause;
    throw new StorageError(`Cannot load SQLite (sql.js and its WASM): ${errorMessage(cause)}`, {
      cause,
    });
  }
}

/**
 * Fetches the WASM when it is not on disk: the copy shipped beside this module (the literal
 * `new URL("./sql-wasm.wasm", import.meta.url)` is the pattern Vite and webpack 5 recognise
 * to emit it with the bundle), or where `locateFile` says. Fetching it here names a missing
 * file clearly, where sql.js would abort with an unhandled rejection of its own. On disk
 * (Node, Deno, Bun) sql.js reads it itself, asking `locateFile` if there is one; its own
 * copy always matches its script.
 */
async function fetchWasm(locateFile: SqlJsConfig["locateFile"]): Promise<Uint8Array | undefined> {
  let shipped: URL;
  try {
    shipped = new URL("./sql-wasm.wasm", import.meta.url);
  } catch {
    // A CommonJS build has no import.meta; CommonJS means a runtime with files.
    return undefined;
  }
  if (shipped.protocol === "file:") return undefined;
  // As sql.js would: its script's folder (in a bundle, this module's) as the prefix, and a
  // relative answer taken from the page or worker.
  const url = locateFile
    ? new URL(
        locateFile("sql-wasm.wasm", new URL(".", shipped).href),
        globalThis.location?.href ?? shipped,
      )
    : shipped;
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
