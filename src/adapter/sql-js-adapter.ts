import { CorruptDatabaseError, errorMessage, StorageError } from "../domain/errors.js";
import type { Persistence } from "../persistence/persistence.js";
import { loadSqlJs, type SqlJsConfig, type SqlJsDatabase } from "./sql-js-engine.js";
import { checkSqliteImage } from "./sqlite-image.js";
import type { SqlExecutor, SqlRow, SqlValue, StorageAdapter } from "./storage-adapter.js";

/** What `openSqlJsAdapter` needs. */
export interface SqlJsAdapterOptions {
  /** Where the database lives: `memoryPersistence()`, `filePersistence(path)`, ... */
  readonly persistence: Persistence;
  /** Overrides for finding sql.js's WASM; not needed in Node. */
  readonly sqlJs?: SqlJsConfig;
}

/**
 * Opens a SQLite database in sql.js (WASM) kept by a persistence target.
 *
 * @param options - The persistence target and optional WASM overrides.
 * @returns The open adapter, holding the target's writer lock until `close()`.
 * @throws `DatabaseLockedError` when another writer holds the target;
 *   `CorruptDatabaseError` when the stored bytes are not a readable SQLite database (they
 *   are left as they are); `StorageError` when the target cannot be read.
 * @example
 * const adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
 * await adapter.run("CREATE TABLE t (x)");
 */
export function openSqlJsAdapter(options: SqlJsAdapterOptions): Promise<SqlJsAdapter> {
  return SqlJsAdapter.open(options);
}

/**
 * A {@link StorageAdapter} on sql.js. The live database is in memory; every commit is
 * handed to the persistence target and acknowledged once the target says it is durable.
 * If a commit cannot be made durable, the adapter closes itself rather than keep a memory
 * that is ahead of the disk; reopening continues from what is durable.
 */
export class SqlJsAdapter implements StorageAdapter {
  readonly #db: SqlJsDatabase;
  readonly #persistence: Persistence;
  #queue: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;
  #failure: StorageError | undefined;

  private constructor(db: SqlJsDatabase, persistence: Persistence) {
    this.#db = db;
    this.#persistence = persistence;
  }

  /** See {@link openSqlJsAdapter}. */
  static async open({ persistence, sqlJs }: SqlJsAdapterOptions): Promise<SqlJsAdapter> {
    const engine = await loadSqlJs(sqlJs);
    const image = await persistence.open();
    let db: SqlJsDatabase | undefined;
    try {
      if (image) checkSqliteImage(image, persistence.location);
      db = new engine.Database(image ?? undefined);
      readSchema(db, persistence.location);
      return new SqlJsAdapter(db, persistence);
    } catch (error) {
      db?.close();
      await persistence.close(null);
      throw error;
    }
  }

  /** The persistence target's location (file path, IndexedDB name, `"memory"`). */
  get location(): string {
    return this.#persistence.location;
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.#exclusive(async () => {
      const result = this.#runNow(sql, params);
      await this.#makeDurable();
      return result;
    });
  }

  all<Row extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.#exclusive(async () => this.#allNow<Row>(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      let active = true;
      const ensureActive = () => {
        if (!active) {
          throw new StorageError("This transaction has already ended", { location: this.location });
        }
      };
      const tx: SqlExecutor = {
        run: async (sql, params) => {
          ensureActive();
          return this.#runNow(sql, params);
        },
        all: async (sql, params) => {
          ensureActive();
          return this.#allNow(sql, params);
        },
      };
      this.#db.exec("BEGIN");
      let result: T;
      try {
        result = await fn(tx);
        this.#db.exec("COMMIT");
      } catch (error) {
        // fn may have ended the transaction itself; the first error is the one to report.
        try {
          this.#db.exec("ROLLBACK");
        } catch {}
        throw error;
      } finally {
        active = false;
      }
      await this.#makeDurable();
      return result;
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#queue.then(async () => {
      if (this.#failure) return;
      try {
        await this.#persistence.close(() => this.#db.export());
      } finally {
        this.#db.close();
      }
    });
    return this.#closing;
  }

  /** Runs one task at a time, in call order, on an open adapter. */
  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(() => {
      if (this.#failure) throw this.#failure;
      if (this.#closing) {
        throw new StorageError(`The database ${this.location} is closed`, {
          location: this.location,
          code: "STORAGE_CLOSED",
        });
      }
      return task();
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #runNow(sql: string, params: readonly SqlValue[] | undefined): { changes: number } {
    try {
      this.#db.run(sql, params ?? []);
    } catch (error) {
      throw sqlError(error, sql, this.location);
    }
    return { changes: this.#db.getRowsModified() };
  }

  #allNow<Row extends SqlRow>(sql: string, params: readonly SqlValue[] | undefined): Row[] {
    let statement: ReturnType<SqlJsDatabase["prepare"]> | undefined;
    try {
      statement = this.#db.prepare(sql);
      statement.bind(params ?? []);
      const rows: Row[] = [];
      while (statement.step()) rows.push(statement.getAsObject() as Row);
      return rows;
    } catch (error) {
      throw sqlError(error, sql, this.location);
    } finally {
      statement?.free();
    }
  }

  async #makeDurable(): Promise<void> {
    try {
      await this.#persistence.commit({ snapshot: () => this.#db.export() });
    } catch (cause) {
      // Memory now holds a change the disk may not: stop here instead of diverging.
      this.#failure = new StorageError(
        `A change to ${this.location} could not be made durable, so the database was closed; reopen it to continue from what is durable: ${errorMessage(cause)}`,
        { cause, location: this.location },
      );
      this.#db.close();
      await this.#persistence.close(null).catch(() => undefined);
      throw this.#failure;
    }
  }
}

function readSchema(db: SqlJsDatabase, location: string): void {
  try {
    db.exec("SELECT count(*) FROM sqlite_master");
  } catch (cause) {
    throw new CorruptDatabaseError(location, errorMessage(cause), { cause });
  }
}

function sqlError(cause: unknown, sql: string, location: string): StorageError {
  const statement = sql.replace(/\s+/g, " ").trim().slice(0, 80);
  return new StorageError(`SQL failed on ${location} in "${statement}": ${errorMessage(cause)}`, {
    cause,
    location,
  });
}
