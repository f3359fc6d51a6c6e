import { describeValue, errorMessage } from "../errors/negotiation-error.js";
import { StorageError } from "../persistence/errors.js";
import { loadPackagedSqlJs } from "./packaged-sql-js.js";
import type { SqlValue } from "./storage-adapter.js";

/**
 * How the package should load its own copy of sql.js's WASM when the default lookup does not
 * fit (e.g. in an extension). sql.js initialises once per JavaScript realm, so adapters
 * share that engine; a later adapter whose config names another WASM is refused with a
 * `StorageError`, never silently given the first one (see `SqlJsAdapterOptions.sqlJs`).
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

/**
 * What the adapter uses of a sql.js prepared statement (sql.js's `Statement`); any object
 * that does the same will do.
 */
export interface SqlJsStatement {
  /**
   * Binds the values of the statement's placeholders.
   *
   * @param values - The values: a list for `?` placeholders (all the adapter binds), or an
   *   object for named ones, as sql.js takes them.
   * @returns `true`.
   */
  bind(values?: readonly SqlValue[] | { readonly [name: string]: SqlValue } | null): boolean;
  /**
   * Runs the statement to its next row.
   *
   * @returns `true` while there is a row to read with `get()`.
   */
  step(): boolean;
  /**
   * Reads the current row.
   *
   * @returns Its values, in column order.
   */
  get(): SqlValue[];
  /**
   * Names the result's columns.
   *
   * @returns The column names, in order.
   */
  getColumnNames(): string[];
  /** Makes the statement ready to be bound and run again. */
  reset(): void;
  /**
   * Releases the statement.
   *
   * @returns Whether it was released.
   */
  free(): boolean;
}

/**
 * What the adapter uses of a sql.js database (sql.js's `Database`, sql.js >= 1.15.2: older
 * versions close and reopen the database on `export()`).
 */
export interface SqlJsDatabase {
  /**
   * Runs one statement, binding its placeholders.
   *
   * @param sql - The statement.
   * @param params - The values of its placeholders: a list for `?` placeholders (all the
   *   adapter binds), or an object for named ones, as sql.js takes them.
   * @returns Anything; the adapter reads nothing from it.
   */
  run(
    sql: string,
    params?: readonly SqlValue[] | { readonly [name: string]: SqlValue } | null,
  ): unknown;
  /**
   * Runs statements without parameters.
   *
   * @param sql - One or more statements.
   * @returns Anything; the adapter reads nothing from it.
   */
  exec(sql: string): unknown;
  /**
   * Prepares a statement.
   *
   * @param sql - The statement.
   * @returns The prepared statement.
   */
  prepare(sql: string): SqlJsStatement;
  /**
   * Counts the rows the last statement changed.
   *
   * @returns How many rows it inserted, updated or deleted.
   */
  getRowsModified(): number;
  /**
   * Writes the database out as a SQLite file, leaving it open.
   *
   * @returns The file's bytes.
   */
  export(): Uint8Array;
  /** Releases the database. */
  close(): void;
}

/**
 * What the adapter uses of a loaded sql.js module: the object `initSqlJs()` resolves to
 * (its `SqlJsStatic`, which fits this type as it is), or any object that does the same.
 *
 * @example
 * import initSqlJs from "sql.js";
 *
 * const engine: SqlJsEngine = await initSqlJs({ locateFile: (file) => `/assets/${file}` });
 * const store = await openNegotiationStore({ persistence, sqlJs: engine });
 */
export interface SqlJsEngine {
  /** sql.js's `Database` class. */
  readonly Database: {
    /**
     * Opens a database in memory.
     *
     * @param data - The bytes of a SQLite file to open; without them, a new, empty database.
     * @returns The open database.
     */
    new (data?: Uint8Array): SqlJsDatabase;
  };
}

/**
 * What the `sqlJs` option of an adapter takes: how to load the package's own sql.js, a
 * loaded engine, or a function that loads one.
 *
 * @internal
 */
export type SqlJsSource =
  | SqlJsConfig
  | SqlJsEngine
  | (() => SqlJsEngine | PromiseLike<SqlJsEngine>);

/**
 * The engine an adapter runs on. An engine passed in is used as it is. A function is called
 * once (once more after it failed) and what it resolves to is kept for every adapter given
 * that same function. Otherwise the package's own sql.js is loaded, once per realm, as the
 * config says; a config that names another WASM than the one already loaded is refused.
 * Without a config, the WASM is found by itself: on disk (Node, Deno, Bun) sql.js reads the
 * one beside its own script; elsewhere (pages, workers, extensions) the copy this package
 * ships beside its build is fetched, which bundlers emit as an asset, or the one
 * `locateFile` names.
 *
 * @param source - The adapter's `sqlJs` option.
 * @returns The engine.
 * @throws `StorageError` saying why sql.js or its WASM could not be loaded, or why this
 *   config cannot be honoured in this realm.
 */
export function loadSqlJs(source: SqlJsSource | undefined): Promise<SqlJsEngine> {
  if (typeof source === "function") return loadFromFactory(source);
  if (isSqlJsEngine(source)) return Promise.resolve(source);
  return loadPackagedSqlJs(source);
}

type SqlJsFactory = () => SqlJsEngine | PromiseLike<SqlJsEngine>;

/** What each factory resolved to, so that it is called once however many adapters it opens. */
const engineByFactory = new WeakMap<SqlJsFactory, Promise<SqlJsEngine>>();

function loadFromFactory(factory: SqlJsFactory): Promise<SqlJsEngine> {
  const kept = engineByFactory.get(factory);
  if (kept) return kept;
  const engine = callFactory(factory);
  engineByFactory.set(factory, engine);
  // A failure may be passing (a network error): the next open calls the factory again.
  engine.catch(() => {
    if (engineByFactory.get(factory) === engine) engineByFactory.delete(factory);
  });
  return engine;
}

async function callFactory(factory: SqlJsFactory): Promise<SqlJsEngine> {
  let engine: unknown;
  try {
    engine = await factory();
  } catch (cause) {
    throw new StorageError(
      `Cannot load SQLite: the sqlJs function failed: ${errorMessage(cause)}`,
      { cause },
    );
  }
  if (!isSqlJsEngine(engine)) {
    throw new StorageError(
      `Cannot load SQLite: the sqlJs function gave ${describeValue(engine)}, not a sql.js engine (an object with a Database constructor, as initSqlJs() resolves to)`,
    );
  }
  return engine;
}

function isSqlJsEngine(value: unknown): value is SqlJsEngine {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { Database?: unknown }).Database === "function"
  );
}
