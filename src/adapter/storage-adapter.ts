import type { StoredValue } from "../persistence/persistence.js";

/** A value SQLite can bind or return. */
export type SqlValue = StoredValue;

/** One result row, keyed by column name. */
export type SqlRow = Record<string, SqlValue>;

/** Runs statements; what a transaction hands its function. */
export interface SqlExecutor {
  /**
   * Runs one statement with positional (`?`) parameters.
   *
   * @returns How many rows it changed.
   */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;

  /**
   * Runs one query with positional (`?`) parameters.
   *
   * @returns Every row as a plain object keyed by column name.
   */
  all<Row extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
}

/**
 * The SQL port the store runs on. `SqlJsAdapter` implements it; another engine (a native
 * SQLite binding, a server database) can implement it without touching the store.
 *
 * A `run` outside a transaction is its own durable unit: its promise resolves only once
 * the change is durable. Calls are applied one at a time, in the order they are made.
 */
export interface StorageAdapter extends SqlExecutor {
  /**
   * Runs `fn` as one unit: every statement it runs through `tx` commits together, durably,
   * or (when `fn` throws) none does. Other calls wait until it ends; inside `fn`, use `tx`,
   * not the adapter, or the call waits for the transaction that is waiting for it.
   *
   * @param fn - The work; receives the executor of the transaction.
   * @returns What `fn` returned, once the transaction is durable.
   * @throws What `fn` threw (after rolling back), or a `StorageError` when the commit
   *   could not be made durable.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;

  /** Flushes and releases the database. Idempotent; later calls to other methods reject. */
  close(): Promise<void>;
}
