import { errorMessage, StorageError } from "../domain/errors.js";
import type { SqlValue } from "./storage-adapter.js";

/** How to load sql.js's WASM when the default lookup does not fit (e.g. in an extension). */
export interface SqlJsConfig {
  /** Maps the file name sql.js asks for (`sql-wasm.wasm`) to a URL or path. */
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
 * ships beside its build is fetched, which bundlers emit as an asset.
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
    const module = (await import("sql.js")) as unknown as { default?: InitSqlJs } & InitSqlJs;
    const init = module.default ?? module;
    return await init(config ?? shippedWasmConfig());
  } catch (cause) {
    throw new StorageError(`Cannot load SQLite (sql.js and its WASM): ${errorMessage(cause)}`, {
      cause,
    });
  }
}

/**
 * Points sql.js at the `.wasm` shipped beside this module, when it is not on disk. The
 * literal `new URL("./sql-wasm.wasm", import.meta.url)` is the pattern Vite and webpack 5
 * recognise to emit the file with the bundle. On disk, sql.js's own copy beside its script
 * always matches its script's version, so it is left to find it.
 */
function shippedWasmConfig(): SqlJsConfig | undefined {
  let wasm: URL;
  try {
    wasm = new URL("./sql-wasm.wasm", import.meta.url);
  } catch {
    // A CommonJS build has no import.meta; CommonJS means a runtime with files.
    return undefined;
  }
  return wasm.protocol === "file:" ? undefined : { locateFile: () => wasm.href };
}
