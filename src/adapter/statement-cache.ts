import type { SqlJsDatabase, SqlJsStatement } from "./sql-js-engine.js";

/** How many prepared statements a cache keeps unless told otherwise. */
export const PREPARED_STATEMENTS = 32;

/**
 * Prepared statements of one database, kept by their SQL for reuse: the store runs the same
 * few statements again and again, and preparing one costs more than running it. When full,
 * the statement prepared first is freed to make room.
 */
export class StatementCache {
  readonly #db: SqlJsDatabase;
  readonly #capacity: number;
  readonly #statements = new Map<string, SqlJsStatement>();

  /**
   * Makes an empty cache.
   *
   * @param db - The database whose statements it prepares.
   * @param capacity - How many statements it keeps at most.
   */
  constructor(db: SqlJsDatabase, capacity: number = PREPARED_STATEMENTS) {
    this.#db = db;
    this.#capacity = capacity;
  }

  /**
   * The prepared statement for `sql`: the one kept, or a new one that is kept from now on.
   * Reset it after use; do not free it.
   *
   * @param sql - One SQL statement.
   * @returns Its prepared statement.
   * @throws What SQLite throws when it cannot prepare `sql`; nothing is kept then.
   */
  get(sql: string): SqlJsStatement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      if (this.#statements.size >= this.#capacity) {
        const [oldest, evicted] = this.#statements.entries().next().value as [
          string,
          SqlJsStatement,
        ];
        evicted.free();
        this.#statements.delete(oldest);
      }
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Frees every statement kept, before the database closes; the cache is empty after. */
  clear(): void {
    for (const statement of this.#statements.values()) statement.free();
    this.#statements.clear();
  }
}
