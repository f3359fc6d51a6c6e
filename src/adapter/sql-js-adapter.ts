import { errorMessage } from "../errors/negotiation-error.js";
import { CorruptDatabaseError, ForeignWriteError, StorageError } from "../persistence/errors.js";
import {
  journalStatementBytes,
  MAX_JOURNAL_PAYLOAD_BYTES,
} from "../persistence/journal-payload-size.js";
import type { JournalEntry, JournalStatement, Persistence } from "../persistence/persistence.js";
import { RowTooLargeError } from "./errors.js";
import {
  loadSqlJs,
  type SqlJsConfig,
  type SqlJsDatabase,
  type SqlJsStatement,
} from "./sql-js-engine.js";
import { checkSqliteImage } from "./sqlite-image.js";
import type { SqlExecutor, SqlRow, SqlValue, StorageAdapter } from "./storage-adapter.js";

/** What {@link openSqlJsAdapter} needs. */
export interface SqlJsAdapterOptions {
  /** Where the database lives: `memoryPersistence()`, `filePersistence(path)`, ... */
  readonly persistence: Persistence;
  /**
   * Overrides for finding sql.js's WASM; not needed where the package finds it by itself
   * (Node, Deno, Bun, and bundlers that emit `new URL("./sql-wasm.wasm", import.meta.url)`).
   */
  readonly sqlJs?: SqlJsConfig;
}

/**
 * The table in which a snapshot records the last journal entry it holds, so that entries
 * already in it are skipped on replay. It is the adapter's, not the store's.
 */
export const CHECKPOINT_TABLE = "sqljs_checkpoint";

export { MAX_JOURNAL_PAYLOAD_BYTES };

/**
 * Opens a SQLite database in sql.js (WASM) kept by a persistence target, replaying the
 * journal written since its last snapshot.
 *
 * @param options - The persistence target and optional WASM overrides.
 * @returns The open adapter, holding the target's writer lock until `close()`.
 * @throws `DatabaseLockedError` (code `DATABASE_LOCKED`) when another writer holds the
 *   target; `CorruptDatabaseError` (code `DATABASE_CORRUPT`) when the stored bytes are not a
 *   readable SQLite database or the journal cannot be replayed (nothing is changed);
 *   `PendingSqliteJournalError` (code `SQLITE_JOURNAL_PENDING`) when a file target finds
 *   another SQLite program's unfinished WAL or journal beside the database;
 *   `WebLocksUnavailableError` (code `WEB_LOCKS_UNAVAILABLE`) when an IndexedDB target has
 *   no Web Locks; `StorageError` (code `STORAGE_FAILED`) when the target cannot be read or
 *   sql.js cannot be loaded. Nothing is held after a throw.
 * @example
 * const adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
 * await adapter.run("CREATE TABLE t (x)");
 */
export function openSqlJsAdapter(options: SqlJsAdapterOptions): Promise<SqlJsAdapter> {
  return SqlJsAdapter.open(options);
}

interface PendingEntry {
  readonly entry: JournalEntry;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A {@link StorageAdapter} on sql.js. The live database is in memory. Every committed
 * change becomes a journal entry that the persistence target makes durable before the
 * call resolves; entries committed by calls made together, or while a sync is under way,
 * share one sync (group commit). If an entry cannot be made durable, the adapter closes
 * itself, rejecting every call not yet acknowledged, rather than keep a memory that is
 * ahead of the disk; reopening continues from what is durable. Statements must be deterministic (bind the
 * time, do not call `random()`), since the journal replays them. A change whose journal
 * record would hold more than {@link MAX_JOURNAL_PAYLOAD_BYTES} is refused with a
 * `RowTooLargeError` before it touches the database; the adapter stays open.
 *
 * Calls run one at a time, in call order. Close it with `await adapter.close()` or an
 * `await using` declaration.
 *
 * @example
 * await using adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
 * await adapter.run("CREATE TABLE t (x)");
 * await adapter.run("INSERT INTO t (x) VALUES (?)", [1]);
 * const rows = await adapter.all<{ x: number }>("SELECT x FROM t");
 */
export class SqlJsAdapter implements StorageAdapter {
  readonly #db: SqlJsDatabase;
  readonly #persistence: Persistence;
  #queue: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;
  #failure: StorageError | undefined;
  #nextSequence: number;
  #checkpointedSequence: number;
  #pending: PendingEntry[] = [];
  #flushing: Promise<void> | undefined;
  #lastDurable: Promise<void> = Promise.resolve();
  readonly #statements = new Map<string, SqlJsStatement>();
  /** The stored file's format versions (header bytes 18–19): 2 and 2 mean WAL mode. */
  readonly #fileFormat: Uint8Array | undefined;

  private constructor(
    db: SqlJsDatabase,
    persistence: Persistence,
    sequence: number,
    checkpointed: number,
    fileFormat: Uint8Array | undefined,
  ) {
    this.#db = db;
    this.#persistence = persistence;
    this.#fileFormat = fileFormat;
    this.#nextSequence = sequence + 1;
    this.#checkpointedSequence = checkpointed;
  }

  /**
   * Opens an adapter; the same as {@link openSqlJsAdapter}, which documents it.
   *
   * @param options - The persistence target and optional WASM overrides.
   * @returns The open adapter.
   * @throws As {@link openSqlJsAdapter} does.
   */
  static async open(options: SqlJsAdapterOptions): Promise<SqlJsAdapter> {
    const { persistence, sqlJs } = options;
    const engine = await loadSqlJs(sqlJs);
    const { snapshot, journal } = await persistence.open();
    let db: SqlJsDatabase | undefined;
    try {
      if (snapshot) checkSqliteImage(snapshot, persistence.location);
      // Read before the engine sees the bytes: it may write to them in place.
      const fileFormat =
        snapshot && snapshot.length >= 20 ? Uint8Array.from(snapshot.subarray(18, 20)) : undefined;
      db = new engine.Database(snapshot ?? undefined);
      const checkpointed = readyDatabase(db, persistence.location);
      const sequence = replay(db, journal, checkpointed, persistence.location);
      const adapter = new SqlJsAdapter(db, persistence, sequence, checkpointed, fileFormat);
      // Fold what was replayed now when the target keeps no journal, or when its journal
      // holds what a checkpoint clears away (records the snapshot has, a torn tail). Only
      // now, with the snapshot read and the journal replayed, may anything be changed. A
      // failed fold loses nothing: the next open reads the same snapshot and journal.
      const foldNow =
        (!persistence.append && sequence > checkpointed) || persistence.wantsCheckpoint?.();
      if (foldNow && !persistence.readOnly) {
        await adapter.#checkpoint({ evenIfUnchanged: true }).catch(() => undefined);
      }
      return adapter;
    } catch (error) {
      db?.close();
      await persistence.close();
      throw error;
    }
  }

  /** The persistence target's location (file path, IndexedDB name, `"memory"`). */
  get location(): string {
    return this.#persistence.location;
  }

  /**
   * Runs one statement with positional (`?`) parameters, as its own durable unit.
   *
   * @param sql - One SQL statement. Keep it deterministic (bind the time, no `random()`):
   *   the journal replays it on the next open.
   * @param params - The values of its `?` placeholders, in order; none by default.
   * @returns How many rows it changed, once the change is durable.
   * @throws `RowTooLargeError` (code `ROW_TOO_LARGE`) when the change's journal record would
   *   hold more than {@link MAX_JOURNAL_PAYLOAD_BYTES}: nothing is changed and the adapter
   *   stays open. `StorageError` (code `STORAGE_FAILED`) naming the statement when SQLite
   *   refuses it, or when the change cannot be made durable (the adapter then closes
   *   itself); `STORAGE_CLOSED` when it is closed; `ForeignWriteError` (code
   *   `FOREIGN_WRITE`) once another program changed a file target's database.
   */
  run(
    sql: string,
    params?: readonly SqlValue[],
  ): Promise<{
    /** How many rows the statement inserted, updated or deleted. */
    changes: number;
  }> {
    return this.#write((statements) => this.#runNow(sql, params, statements));
  }

  /**
   * Runs one query with positional (`?`) parameters.
   *
   * @typeParam Row - The shape of a row, as the caller knows it from its query.
   * @param sql - One SQL query.
   * @param params - The values of its `?` placeholders, in order; none by default.
   * @returns Every row as a plain object keyed by column name, in the query's order; handed
   *   out once every change it may include is durable.
   * @throws `StorageError` (code `STORAGE_FAILED`) naming the query when SQLite refuses it;
   *   `STORAGE_CLOSED` when the adapter is closed.
   */
  async all<Row extends SqlRow = SqlRow>(
    sql: string,
    params?: readonly SqlValue[],
  ): Promise<Row[]> {
    const rows = await this.#exclusive(async () => this.#allNow<Row>(sql, params));
    // What was read may include changes still syncing: hand it out only once they are durable.
    await this.#lastDurable;
    return rows;
  }

  /**
   * Runs `fn` as one unit: every statement it runs through `tx` commits together, as one
   * journal record, durably, or (when `fn` throws) none does. Other calls wait until it
   * ends; inside `fn`, use `tx`, not the adapter, or the call waits for the transaction
   * that is waiting for it.
   *
   * @typeParam T - What `fn` resolves to.
   * @param fn - The work; receives the executor of the transaction.
   * @returns What `fn` returned, once the transaction is durable.
   * @throws What `fn` threw, after rolling back; `RowTooLargeError` (code `ROW_TOO_LARGE`)
   *   when the transaction's journal record would be too large (nothing is changed);
   *   `StorageError` (code `STORAGE_FAILED`) when the commit cannot be made durable (the
   *   adapter then closes itself); `STORAGE_CLOSED` when it is closed. A `tx` used after
   *   `fn` has ended throws a `StorageError`.
   * @example
   * await adapter.transaction(async (tx) => {
   *   await tx.run("INSERT INTO t (x) VALUES (?)", [1]);
   *   await tx.run("INSERT INTO t (x) VALUES (?)", [2]);
   * }); // both rows, durably, in one journal record
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#write(async (statements) => {
      let active = true;
      const ensureActive = () => {
        if (!active) {
          throw new StorageError("This transaction has already ended", { location: this.location });
        }
      };
      const tx: SqlExecutor = {
        run: async (sql, params) => {
          ensureActive();
          return this.#runNow(sql, params, statements);
        },
        all: async (sql, params) => {
          ensureActive();
          return this.#allNow(sql, params);
        },
      };
      this.#db.exec("BEGIN");
      try {
        const result = await fn(tx);
        this.#db.exec("COMMIT");
        return result;
      } catch (error) {
        statements.length = 0;
        // fn may have ended the transaction itself; the first error is the one to report.
        try {
          this.#db.exec("ROLLBACK");
        } catch {}
        throw error;
      } finally {
        active = false;
      }
    });
  }

  /**
   * Folds the journal into a new snapshot now, once every pending change is durable.
   * `close()` does it too, and the adapter does it when the target asks.
   *
   * @returns Once the new snapshot is durable.
   * @throws `StorageError` (code `STORAGE_FAILED`) when the snapshot cannot be written;
   *   nothing durable is lost and the adapter goes on. `STORAGE_FAILED` too when the
   *   database is open read-only; `STORAGE_CLOSED` when it is closed.
   */
  async checkpoint(): Promise<void> {
    this.#refuseIfReadOnly();
    return this.#exclusive(() => this.#checkpoint());
  }

  /**
   * Waits for the calls already made, writes a last snapshot when anything changed since
   * the last one (a checkpoint), and releases the persistence target and its lock.
   * Idempotent: every call returns the same promise. Calls made after it reject with a
   * `StorageError` of code `STORAGE_CLOSED`. `await using` calls it through
   * `[Symbol.asyncDispose]`.
   *
   * @returns Once the database is released.
   * @throws `StorageError` (code `STORAGE_FAILED`) when the last snapshot cannot be written
   *   (the target is released all the same, and its journal keeps every acknowledged
   *   change); `ForeignWriteError` (code `FOREIGN_WRITE`) again when another program changed
   *   a file target's database.
   */
  close(): Promise<void> {
    this.#closing ??= this.#queue.then(async () => {
      if (this.#failure) {
        // Saves stay in the journal but the file is another writer's: say so once more.
        if (this.#failure instanceof ForeignWriteError) throw this.#failure;
        return;
      }
      try {
        await this.#checkpoint();
      } finally {
        this.#closeDatabase();
        await this.#persistence.close();
      }
    });
    return this.#closing;
  }

  /**
   * Closes the adapter as {@link SqlJsAdapter.close} does: what an `await using`
   * declaration calls when its block ends. A runtime without `Symbol.asyncDispose` needs
   * the usual polyfill (`Symbol.asyncDispose ??= Symbol.for("Symbol.asyncDispose")`) to run
   * before this package is imported.
   *
   * @returns The promise of `close()`.
   * @example
   * {
   *   await using adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
   *   await adapter.run("CREATE TABLE t (x)");
   * } // closed here, even when the block throws
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #refuseIfReadOnly(): void {
    if (this.#persistence.readOnly) {
      throw new StorageError(
        `The database ${this.location} is open read-only: it cannot be changed`,
        { location: this.location },
      );
    }
  }

  /** Runs one task at a time, in call order, on an open adapter. */
  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    // Calls made before close() still run; calls made after it are refused.
    if (this.#closing) {
      return Promise.reject(
        new StorageError(`The database ${this.location} is closed`, {
          location: this.location,
          code: "STORAGE_CLOSED",
        }),
      );
    }
    const result = this.#queue.then(() => {
      if (this.#failure) throw this.#failure;
      return task();
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Applies a change in memory (one task at a time), then resolves once its journal entry
   * is durable. The wait for durability happens outside the exclusive section, so changes
   * made meanwhile join the next sync.
   */
  async #write<T>(apply: (statements: JournalStatement[]) => Promise<T> | T): Promise<T> {
    this.#refuseIfReadOnly();
    const { result, durable } = await this.#exclusive(async () => {
      const statements: JournalStatement[] = [];
      const result = await apply(statements);
      if (statements.length === 0) return { result, durable: undefined };
      const sequence = this.#nextSequence++;
      if (this.#persistence.append) {
        return { result, durable: this.#enqueue({ sequence, statements }) };
      }
      // No journal: the change is durable once it is in a new snapshot.
      await this.#checkpoint().catch((cause) => {
        this.#fail(cause);
        throw this.#failure;
      });
      return { result, durable: undefined };
    });
    await durable;
    return result;
  }

  #enqueue(entry: JournalEntry): Promise<void> {
    const durable = new Promise<void>((resolve, reject) => {
      this.#pending.push({ entry, resolve, reject });
    });
    // Rejects with the adapter's failure; #write awaits it, so the rejection is handled.
    this.#lastDurable = durable;
    // Flushed once the calls already queued have run, so that concurrent saves share the sync.
    this.#flushing ??= this.#queue.then(() => this.#flush());
    return durable;
  }

  /** Appends what is pending, one sync per batch, until nothing is. */
  async #flush(): Promise<void> {
    const append = this.#persistence.append?.bind(this.#persistence);
    while (this.#pending.length > 0 && append) {
      const batch = this.#pending.splice(0);
      try {
        await append(batch.map((pending) => pending.entry));
      } catch (cause) {
        this.#fail(cause);
        for (const pending of [...batch, ...this.#pending.splice(0)]) pending.reject(this.#failure);
        return;
      }
      for (const pending of batch) pending.resolve();
    }
    this.#flushing = undefined;
    if (this.#persistence.wantsCheckpoint?.() && !this.#closing) {
      // A failed checkpoint loses nothing (the journal still holds every entry); it is
      // tried again later, and close() reports it.
      this.checkpoint().catch(() => undefined);
    }
  }

  /**
   * Inside an exclusive task: snapshot everything once it is durable; with nothing new
   * since the last checkpoint, only when the target asks for one or `evenIfUnchanged`.
   */
  async #checkpoint({ evenIfUnchanged = false } = {}): Promise<void> {
    await this.#flushing;
    if (this.#failure) throw this.#failure;
    const sequence = this.#nextSequence - 1;
    const unchanged = sequence === this.#checkpointedSequence;
    if (this.#persistence.readOnly) return;
    if (unchanged && !evenIfUnchanged && !this.#persistence.wantsCheckpoint?.()) return;
    try {
      await this.#writeSnapshot(sequence);
    } catch (error) {
      // close() closes everything itself.
      if (error instanceof ForeignWriteError && !this.#closing) this.#fail(error);
      throw error;
    }
    this.#checkpointedSequence = sequence;
  }

  /** Hands the target a snapshot holding every entry up to `sequence`. */
  async #writeSnapshot(sequence: number): Promise<void> {
    this.#db.exec(`CREATE TABLE IF NOT EXISTS ${CHECKPOINT_TABLE} (sequence INTEGER NOT NULL)`);
    this.#db.exec(`DELETE FROM ${CHECKPOINT_TABLE}`);
    this.#db.run(`INSERT INTO ${CHECKPOINT_TABLE} (sequence) VALUES (?)`, [sequence]);
    const image = this.#db.export();
    // The engine runs without a WAL; a file that another program keeps in WAL mode stays so.
    if (this.#fileFormat) image.set(this.#fileFormat, 18);
    await this.#persistence.checkpoint(image);
  }

  /**
   * Memory may now be ahead of the disk, or another writer changed the file: refuse
   * everything from here on.
   */
  #fail(cause: unknown): void {
    if (this.#failure) return;
    this.#failure =
      cause instanceof ForeignWriteError
        ? cause
        : new StorageError(
            `A change to ${this.location} could not be made durable, so the database was closed; reopen it to continue from what is durable: ${errorMessage(cause)}`,
            { cause, location: this.location },
          );
    this.#queue = this.#queue.then(async () => {
      // The acknowledged entries live only in a journal that can no longer be written
      // where it belongs: a snapshot of memory (every committed change) keeps them.
      if (this.#persistence.journalLost?.()) {
        await this.#writeSnapshot(this.#nextSequence - 1).catch(() => undefined);
      }
      this.#closeDatabase();
      await this.#persistence.close().catch(() => undefined);
    });
  }

  #runNow(
    sql: string,
    params: readonly SqlValue[] | undefined,
    journal: JournalStatement[],
  ): { changes: number } {
    const bound = params ?? [];
    // Refused before the database changes: a record too large to build would close the adapter.
    const payloadBytes = payloadWith(journal, sql, bound, this.location);
    try {
      const statement = this.#prepare(sql);
      try {
        statement.bind(bound);
        statement.step();
      } finally {
        statement.reset();
      }
    } catch (error) {
      throw sqlError(error, sql, this.location);
    }
    journal.push({ sql, params: [...bound] });
    journalPayloadBytes.set(journal, payloadBytes);
    return { changes: this.#db.getRowsModified() };
  }

  #allNow<Row extends SqlRow>(sql: string, params: readonly SqlValue[] | undefined): Row[] {
    try {
      const statement = this.#prepare(sql);
      try {
        statement.bind(params ?? []);
        const names = statement.getColumnNames();
        const rows: Row[] = [];
        while (statement.step()) {
          const values = statement.get();
          const row: SqlRow = {};
          for (let column = 0; column < names.length; column++) {
            row[names[column] as string] = values[column] as SqlValue;
          }
          rows.push(row as Row);
        }
        return rows;
      } finally {
        statement.reset();
      }
    } catch (error) {
      throw sqlError(error, sql, this.location);
    }
  }

  /** A prepared statement for `sql`, kept for reuse: the store runs the same few again and again. */
  #prepare(sql: string): SqlJsStatement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      if (this.#statements.size >= PREPARED_STATEMENTS) {
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

  #closeDatabase(): void {
    for (const statement of this.#statements.values()) statement.free();
    this.#statements.clear();
    this.#db.close();
  }
}

/** The payload size of the journal entry being built, by its statements. */
const journalPayloadBytes = new WeakMap<readonly JournalStatement[], number>();

/**
 * The bytes of the journal record payload of `journal` with one more statement.
 *
 * @throws {@link RowTooLargeError} naming the statement's largest parameter when it would be
 *   more than {@link MAX_JOURNAL_PAYLOAD_BYTES}.
 */
function payloadWith(
  journal: readonly JournalStatement[],
  sql: string,
  params: readonly SqlValue[],
  location: string,
): number {
  const before = journalPayloadBytes.get(journal) ?? 2; // "[]"
  const bytes = before + (journal.length > 0 ? 1 : 0) + journalStatementBytes({ sql, params });
  if (bytes <= MAX_JOURNAL_PAYLOAD_BYTES) return bytes;
  // Named by length, not measured again: a second scan of a huge value would only confirm it.
  let largest = -1;
  let largestLength = 0;
  params.forEach((value, index) => {
    const length = typeof value === "string" || value instanceof Uint8Array ? value.length : 0;
    if (length > largestLength) [largest, largestLength] = [index, length];
  });
  const statement = `"${statementForMessages(sql)}"`;
  throw new RowTooLargeError(
    largest < 0 ? statement : `parameter ${largest + 1} of ${statement}`,
    journal.length > 0
      ? `this statement, with the ${journal.length} before it in its transaction,`
      : "this statement",
    bytes,
    MAX_JOURNAL_PAYLOAD_BYTES,
    location,
  );
}

/** How many prepared statements an adapter keeps. */
const PREPARED_STATEMENTS = 32;

/**
 * Readies a freshly loaded database and reads the sequence of the last journal entry it
 * holds (0 for a plain database). SQLite reads the schema here first: a damaged one fails.
 */
function readyDatabase(db: SqlJsDatabase, location: string): number {
  try {
    // The database file is in memory and dies with the process: SQLite's own rollback
    // journal needs no file either. Durability is the persistence target's journal.
    db.exec("PRAGMA journal_mode = MEMORY");
    const lookup = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?");
    lookup.bind([CHECKPOINT_TABLE]);
    const exists = lookup.step();
    lookup.free();
    if (!exists) return 0;
    const read = db.prepare(`SELECT max(sequence) AS sequence FROM ${CHECKPOINT_TABLE}`);
    read.step();
    const [sequence] = read.get();
    read.free();
    return Number(sequence ?? 0);
  } catch (cause) {
    throw new CorruptDatabaseError(location, errorMessage(cause), { cause });
  }
}

/**
 * Redoes, in one transaction, the journal entries the snapshot does not hold.
 *
 * @returns The sequence of the last entry now in the database.
 */
function replay(
  db: SqlJsDatabase,
  journal: readonly JournalEntry[],
  checkpointed: number,
  location: string,
): number {
  const missing = journal.filter((entry) => entry.sequence > checkpointed);
  const first = missing[0];
  if (first === undefined) return checkpointed;
  if (first.sequence !== checkpointed + 1) {
    throw new CorruptDatabaseError(
      location,
      `its journal resumes at entry ${first.sequence}, but the database holds entries up to ${checkpointed}`,
    );
  }
  db.exec("BEGIN");
  for (const entry of missing) {
    try {
      for (const { sql, params } of entry.statements) db.run(sql, params);
    } catch (cause) {
      db.exec("ROLLBACK");
      throw new CorruptDatabaseError(
        location,
        `journal entry ${entry.sequence} cannot be replayed: ${errorMessage(cause)}`,
        { cause },
      );
    }
  }
  db.exec("COMMIT");
  return (missing.at(-1) as JournalEntry).sequence;
}

function sqlError(cause: unknown, sql: string, location: string): StorageError {
  const statement = statementForMessages(sql);
  return new StorageError(`SQL failed on ${location} in "${statement}": ${errorMessage(cause)}`, {
    cause,
    location,
  });
}

/** A statement as error messages quote it: on one line, its first 80 characters. */
function statementForMessages(sql: string): string {
  return sql.replace(/\s+/g, " ").trim().slice(0, 80);
}
