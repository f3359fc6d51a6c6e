import type { StoredValue } from "../persistence/persistence.js";

/**
 * A value a statement binds or a query returns: text, a number, a bigint (bound; `SqlJsAdapter`
 * returns integers as numbers), bytes (a BLOB) or `null`.
 */
export type SqlValue = StoredValue;

/** One result row, a plain object keyed by column name. */
export type SqlRow = Record<string, SqlValue>;

/** Runs statements; what a transaction hands its function. */
export interface SqlExecutor {
  /**
   * Runs one statement with positional (`?`) parameters.
   *
   * @param sql - One SQL statement. Keep it deterministic (bind the time, no `random()`):
   *   a journaling adapter such as `SqlJsAdapter` replays it on the next open.
   * @param params - The values of its `?` placeholders, in order; none by default.
   * @returns How many rows it changed.
   * @throws `StorageError` (code `STORAGE_FAILED`) naming the statement when SQLite refuses
   *   it or the change cannot be made durable; `STORAGE_CLOSED` when the adapter is closed.
   */
  run(
    sql: string,
    params?: readonly SqlValue[],
  ): Promise<{
    /** How many rows the statement inserted, updated or deleted. */
    changes: number;
  }>;

  /**
   * Runs one query with positional (`?`) parameters.
   *
   * @typeParam Row - The shape of a row, as the caller knows it from its query.
   * @param sql - One SQL query.
   * @param params - The values of its `?` placeholders, in order; none by default.
   * @returns Every row as a plain object keyed by column name, in the query's order.
   * @throws `StorageError` (code `STORAGE_FAILED`) naming the query when SQLite refuses it;
   *   `STORAGE_CLOSED` when the adapter is closed.
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
   * @typeParam T - What `fn` resolves to.
   * @param fn - The work; receives the executor of the transaction.
   * @returns What `fn` returned, once the transaction is durable.
   * @throws What `fn` threw (after rolling back), or a `StorageError` when the commit
   *   could not be made durable.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;

  /**
   * Flushes and releases the database. Idempotent; later calls to other methods reject
   * with a `StorageError` of code `STORAGE_CLOSED`.
   *
   * @returns Once everything acknowledged is kept and the database is released.
   */
  close(): Promise<void>;
}
