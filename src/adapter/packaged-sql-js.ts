import { errorMessage } from "../errors/negotiation-error.js";
import { StorageError } from "../persistence/errors.js";
import type { SqlJsConfig, SqlJsEngine } from "./sql-js-engine.js";
import { locateWasm, WASM_FILE, type WasmLocation } from "./wasm-location.js";

/** The loading of the package's own sql.js in this realm. */
interface PackagedLoad {
  /** What the config that started it asked for, to know the same config again at once. */
  readonly key: unknown;
  readonly wasm: WasmLocation;
  /** On disk, the path sql.js was given for the WASM, and the prefix it asked with. */
  disk?: { readonly path: string; readonly prefix: string };
  /**
   * sql.js answered with an engine initialised before, by other code (the application's
   * own `initSqlJs()`, another copy of this package): which WASM it runs is unknown.
   */
  foreign?: boolean;
  /** The engine sql.js resolved to; rejects with why it could not be loaded. */
  readonly engine: Promise<SqlJsEngine>;
}

type InitSqlJs = (config?: object) => Promise<SqlJsEngine>;

/** sql.js initialises once per realm (it keeps its first promise), so this is kept once too. */
let packaged: PackagedLoad | undefined;

/** The configs found to name the WASM loaded (by key), so that each is looked up once. */
const sameAsLoaded = new WeakSet<object>();

/**
 * Loads the package's own sql.js with the WASM a config asks for. sql.js initialises once
 * per JavaScript realm and keeps that engine, whatever a later call asks: so every adapter
 * whose config names the same WASM (the same config, the same `locateFile` answer, the same
 * bytes) shares the engine, and one that names another is refused rather than silently
 * given the first. A failed load is kept, as sql.js keeps it, unless the WASM could not
 * even be fetched (sql.js was not called then).
 *
 * @param config - The adapter's WASM overrides, if any.
 * @returns The initialised sql.js module.
 * @throws `StorageError` saying why sql.js or its WASM could not be loaded, or that sql.js
 *   already runs another WASM in this realm (or one that cannot be told).
 */
export async function loadPackagedSqlJs(config: SqlJsConfig | undefined): Promise<SqlJsEngine> {
  const key = keyOf(config);
  let load = packaged;
  let wanted: WasmLocation | undefined;
  if (load === undefined || (load.key !== key && !sameAsLoaded.has(key as object))) {
    wanted = await locate(config);
    load = packaged;
    if (load === undefined) {
      load = startLoad(key, wanted);
      packaged = load;
    } else if (load.key !== key) {
      const failed = await load.engine.then(
        () => false,
        () => true,
      );
      const wantedPath =
        load.disk && wanted.kind === "disk" ? diskPath(wanted, load.disk.prefix) : undefined;
      // An engine of unknown origin is told apart below, by what the config asks for.
      if (!load.foreign && !sameWasm(load, wanted, wantedPath)) {
        throw anotherWasm(load, describe(wanted, wantedPath), failed);
      }
      if (typeof key === "object" || typeof key === "function") sameAsLoaded.add(key as object);
    }
  }
  const engine = await load.engine;
  // What this adapter asked for may not be what runs: say so rather than run on it.
  if (load.foreign && key !== undefined) {
    throw anotherWasm(load, describe(wanted ?? load.wasm, undefined), false);
  }
  return engine;
}

/** The value that tells configs apart without a lookup: as `locateWasm` reads them. */
function keyOf(config: SqlJsConfig | undefined): unknown {
  return config?.wasmBinary || config?.locateFile || undefined;
}

async function locate(config: SqlJsConfig | undefined): Promise<WasmLocation> {
  try {
    return await locateWasm(config);
  } catch (cause) {
    throw loadFailure(cause);
  }
}

function startLoad(key: unknown, wasm: WasmLocation): PackagedLoad {
  const settings =
    wasm.kind === "bytes"
      ? { wasmBinary: wasm.bytes }
      : {
          // Always asked on disk, so that what sql.js reads is known for later configs.
          locateFile: (file: string, prefix: string) => {
            const path = wasm.locateFile ? wasm.locateFile(file, prefix) : prefix + file;
            load.disk = { path, prefix };
            return path;
          },
        };
  const load: PackagedLoad = { key, wasm, engine: initialise(settings, () => load) };
  return load;
}

async function initialise(settings: object, load: () => PackagedLoad): Promise<SqlJsEngine> {
  try {
    const module = (await import("sql.js")) as unknown as { default?: InitSqlJs } & InitSqlJs;
    const init = module.default ?? module;
    const engine = await init(settings);
    // sql.js builds the engine on the settings object it is first given, and hands the
    // first one out again to every later call.
    load().foreign = engine !== settings;
    return engine;
  } catch (cause) {
    throw loadFailure(cause);
  }
}

function loadFailure(cause: unknown): StorageError {
  if (cause instanceof StorageError) return cause;
  return new StorageError(`Cannot load SQLite (sql.js and its WASM): ${errorMessage(cause)}`, {
    cause,
  });
}

/**
 * Whether the WASM a config asks for is the one the loaded engine runs; `wantedPath` is the
 * path its lookup gives on disk.
 */
function sameWasm(
  load: PackagedLoad,
  wanted: WasmLocation,
  wantedPath: string | undefined,
): boolean {
  if (load.wasm.kind === "bytes" && wanted.kind === "bytes") {
    return equalBytes(load.wasm.bytes, wanted.bytes);
  }
  return wantedPath !== undefined && wantedPath === load.disk?.path;
}

function diskPath(wanted: WasmLocation & { kind: "disk" }, prefix: string): string {
  try {
    return wanted.locateFile ? wanted.locateFile(WASM_FILE, prefix) : prefix + WASM_FILE;
  } catch (cause) {
    throw loadFailure(cause);
  }
}

function anotherWasm(load: PackagedLoad, wanted: string, failed: boolean): StorageError {
  const running = load.foreign
    ? "initialised by other code (the application's own initSqlJs(), or another copy of this package), with a WASM that cannot be told"
    : `${failed ? "failed to initialise" : "initialised"} with the WASM from ${describe(load.wasm, load.disk?.path)}`;
  return new StorageError(
    `Cannot load SQLite with the WASM from ${wanted}: sql.js initialises once per JavaScript realm, and here it ${running}. Give every adapter of the realm the same sqlJs, or pass a loaded sql.js engine (what initSqlJs() resolves to) as sqlJs`,
  );
}

function describe(wasm: WasmLocation, path: string | undefined): string {
  if (wasm.kind === "bytes") return wasm.where;
  return path ?? (wasm.locateFile ? "where sqlJs.locateFile says" : `sql.js's own ${WASM_FILE}`);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
