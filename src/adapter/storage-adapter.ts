import type { StoredValue } from "../persistence/persistence.js";

/**
 * A value a statement binds or a query returns: text, a number, a bigint (bound; `SqlJsAdapter`
 * returns integers as numbers), bytes (a BLOB) or `null`.
 */
export type SqlValue = StoredValue;

/** What running a statement reports. */
export interface SqlRunResult {
  /** How many rows the statement inserted, updated or deleted. */
  readonly changes: number;
}

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
  run(sql: string, params?: readonly SqlValue[]): Promise<SqlRunResult>;

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

  /**
   * Holds an exclusive lock named `key` until the transaction ends: another transaction
   * asking for the same key, in this process or another, waits for it. Only a
   * transaction's executor has it, and only where transactions can run side by side (a
   * server database); `SqlJsAdapter` runs one transaction at a time and leaves it out.
   *
   * @param key - What to lock, such as a thread id; any text.
   * @returns Once this transaction holds the lock.
   * @throws `StorageError` when the lock cannot be taken.
   */
  lock?(key: string): Promise<void>;
}

/**
 * The SQL port the store runs on. `SqlJsAdapter` and `PostgresAdapter` implement it;
 * another engine can implement it without touching the store. Statements use `?`
 * placeholders and SQL both SQLite and PostgreSQL run; an adapter whose engine numbers its
 * placeholders translates them.
 *
 * A `run` outside a transaction is its own durable unit: its promise resolves only once
 * the change is durable.
 */
export interface StorageAdapter extends SqlExecutor {
  /**
   * What is wrong with `key` as a primary key's text for this engine, or `undefined` when
   * it can be stored. Optional: an engine that stores any well-formed text leaves it out.
   * (PostgreSQL's text holds no NUL character, and its index no very long key.)
   *
   * @param key - The text, such as a thread id.
   * @returns The problem, worded as a `ValidationError`'s (`"must not ..."`), or `undefined`.
   */
  keyProblem?(key: string): string | undefined;

  /**
   * Runs `fn` as one unit: every statement it runs through `tx` commits together, durably,
   * or (when `fn` throws) none does. Inside `fn`, use `tx`, not the adapter: an adapter that
   * runs one transaction at a time (`SqlJsAdapter`) makes other calls wait until it ends,
   * so a call on the adapter would wait for the transaction that waits for it. An adapter
   * on a server database runs other calls beside it, and may run `fn` again when the
   * server aborts the transaction to resolve a deadlock or a serialization failure: `fn`
   * must do nothing but run its statements and compute its result.
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
