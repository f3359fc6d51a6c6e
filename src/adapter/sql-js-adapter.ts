import { errorMessage } from "../errors/negotiation-error.js";
import { ForeignWriteError, StorageError } from "../persistence/errors.js";
import { MAX_JOURNAL_PAYLOAD_BYTES } from "../persistence/journal-payload-size.js";
import type { JournalEntry, Persistence } from "../persistence/persistence.js";
import { checkpointImage } from "./checkpoint-table.js";
import { GroupCommit } from "./group-commit.js";
import { JournalEntryDraft } from "./journal-entry-draft.js";
import { type ReplayedDatabase, replayJournal } from "./journal-replay.js";
import { SerialQueue } from "./serial-queue.js";
import {
  loadSqlJs,
  type SqlJsConfig,
  type SqlJsDatabase,
  type SqlJsEngine,
} from "./sql-js-engine.js";
import { readPrepared, runPrepared, sqlError } from "./sql-statements.js";
import { StatementCache } from "./statement-cache.js";
import type {
  SqlExecutor,
  SqlRow,
  SqlRunResult,
  SqlValue,
  StorageAdapter,
} from "./storage-adapter.js";
import { Utf8TextBinding } from "./utf8-text-binding.js";

/** What {@link openSqlJsAdapter} needs. */
export interface SqlJsAdapterOptions {
  /** Where the database lives: `memoryPersistence()`, `filePersistence(path)`, ... */
  readonly persistence: Persistence;
  /**
   * The SQLite engine, when the package's own sql.js with its own WASM lookup does not fit
   * (it does in Node, Deno, Bun, and bundlers that emit
   * `new URL("./sql-wasm.wasm", import.meta.url)`). One of:
   *
   * - a {@link SqlJsConfig} (`locateFile` or `wasmBinary`): where the package's sql.js finds
   *   its WASM. sql.js initialises once per JavaScript realm, so every adapter whose config
   *   names the same WASM (the same `locateFile` answer, the same bytes) shares one engine,
   *   and an adapter whose config names another WASM than the one already loaded is refused
   *   with a `StorageError`: it is never silently given the first;
   * - a loaded sql.js engine (what `initSqlJs()` resolves to, typed by {@link SqlJsEngine}),
   *   used as it is: the way to run a sql.js of your own, or two different ones in a realm;
   * - a function that loads one (such as `() => initSqlJs(config)`), called when the first
   *   adapter given it opens and not again for later ones (again only after it failed).
   */
  readonly sqlJs?: SqlJsConfig | SqlJsEngine | (() => SqlJsEngine | PromiseLike<SqlJsEngine>);
}

export { MAX_JOURNAL_PAYLOAD_BYTES };

/**
 * Opens a SQLite database in sql.js (WASM) kept by a persistence target, replaying the
 * journal written since its last snapshot.
 *
 * @param options - The persistence target and, optionally, the engine (`sqlJs`).
 * @returns The open adapter, holding the target's writer lock until `close()`.
 * @throws `DatabaseLockedError` (code `DATABASE_LOCKED`) when another writer holds the
 *   target; `CorruptDatabaseError` (code `DATABASE_CORRUPT`) when the stored bytes are not a
 *   readable SQLite database or the journal cannot be replayed (nothing is changed);
 *   `PendingSqliteJournalError` (code `SQLITE_JOURNAL_PENDING`) when a file target finds
 *   another SQLite program's unfinished WAL or journal beside the database;
 *   `WebLocksUnavailableError` (code `WEB_LOCKS_UNAVAILABLE`) when an IndexedDB target has
 *   no Web Locks; `StorageError` (code `STORAGE_FAILED`) when the target cannot be read,
 *   sql.js cannot be loaded, or `sqlJs` names another WASM than the one this realm's sql.js
 *   already runs. Nothing is held after a throw.
 * @example
 * const adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
 * await adapter.run("CREATE TABLE t (x)");
 */
export function openSqlJsAdapter(options: SqlJsAdapterOptions): Promise<SqlJsAdapter> {
  return SqlJsAdapter.open(options);
}

/**
 * A {@link StorageAdapter} on sql.js. The live database is in memory. Every committed
 * change becomes a journal entry that the persistence target makes durable before the
 * call resolves; entries committed by calls made together, or while a sync is under way,
 * share one sync (group commit). If an entry cannot be made durable, the adapter closes
 * itself, rejecting every call not yet acknowledged, rather than keep a memory that is
 * ahead of the disk; reopening continues from what is durable. Statements must be
 * deterministic (bind the time, do not call `random()`), since the journal replays them. A
 * change whose journal
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
  readonly #statements: StatementCache;
  /** Calls run one at a time, in call order. */
  readonly #queue = new SerialQueue();
  /** Absent when the target keeps no journal: then every commit is a checkpoint. */
  readonly #commits: GroupCommit<JournalEntry> | undefined;
  /** The stored file's format versions (header bytes 18–19): 2 and 2 mean WAL mode. */
  readonly #fileFormat: Uint8Array | undefined;
  /**
   * Long text bound as UTF-8 bytes: `undefined` until the database holds a schema (until
   * then a PRAGMA may still change its encoding), `false` for text that is not UTF-8.
   */
  #textBinding: Utf8TextBinding | false | undefined;
  #closing: Promise<void> | undefined;
  /** A snapshot being written while later calls go on, until its checkpoint is recorded. */
  #writing: Promise<void> | undefined;
  #failure: StorageError | undefined;
  #nextSequence: number;
  #checkpointedSequence: number;

  private constructor(replayed: ReplayedDatabase, persistence: Persistence) {
    this.#db = replayed.db;
    this.#persistence = persistence;
    this.#statements = new StatementCache(replayed.db);
    this.#fileFormat = replayed.fileFormat;
    this.#nextSequence = replayed.sequence + 1;
    this.#checkpointedSequence = replayed.checkpointed;
    const append = persistence.append?.bind(persistence);
    this.#commits =
      append &&
      new GroupCommit({
        append,
        // Once the calls already queued have run, so that concurrent saves share the sync.
        startAfter: () => this.#queue.settled(),
        failed: (cause) => {
          this.#fail(cause);
          return this.#failure;
        },
        drained: () => {
          if (this.#persistence.wantsCheckpoint?.() && !this.#closing && !this.#writing) {
            // A failed checkpoint loses nothing (the journal still holds every entry); it is
            // tried again later, and close() reports it.
            const checkpoint = this.#persistence.appendsDuringCheckpoint
              ? this.#checkpointAlongside()
              : this.checkpoint();
            checkpoint.catch(() => undefined);
          }
        },
      });
  }

  /**
   * Opens an adapter; the same as {@link openSqlJsAdapter}, which documents it.
   *
   * @param options - The persistence target and, optionally, the engine.
   * @returns The open adapter.
   * @throws As {@link openSqlJsAdapter} does.
   */
  static async open(options: SqlJsAdapterOptions): Promise<SqlJsAdapter> {
    const { persistence, sqlJs } = options;
    const engine = await loadSqlJs(sqlJs);
    const stored = await persistence.open();
    let replayed: ReplayedDatabase | undefined;
    try {
      replayed = replayJournal(engine, stored, persistence.location);
      const adapter = new SqlJsAdapter(replayed, persistence);
      // Fold what was replayed now when the target keeps no journal, or when its journal
      // holds what a checkpoint clears away (records the snapshot has, a torn tail). Only
      // now, with the snapshot read and the journal replayed, may anything be changed. A
      // failed fold loses nothing: the next open reads the same snapshot and journal.
      const foldNow =
        (!persistence.append && replayed.sequence > replayed.checkpointed) ||
        persistence.wantsCheckpoint?.();
      if (foldNow && !persistence.readOnly) {
        await adapter.#checkpoint({ evenIfUnchanged: true }).catch(() => undefined);
      }
      return adapter;
    } catch (error) {
      replayed?.db.close();
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
  run(sql: string, params?: readonly SqlValue[]): Promise<SqlRunResult> {
    return this.#write((entry) => this.#runNow(sql, params, entry));
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
    await this.#commits?.lastCommit();
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
    return this.#write(async (entry) => {
      let active = true;
      const ensureActive = () => {
        if (!active) {
          throw new StorageError("This transaction has already ended", { location: this.location });
        }
      };
      const tx: SqlExecutor = {
        run: async (sql, params) => {
          ensureActive();
          return this.#runNow(sql, params, entry);
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
        entry.clear();
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
    this.#closing ??= this.#queue.settled().then(async () => {
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
    return this.#queue.run(() => {
      if (this.#failure) throw this.#failure;
      return task();
    });
  }

  /**
   * Applies a change in memory (one task at a time), then resolves once its journal entry
   * is durable. The wait for durability happens outside the exclusive section, so changes
   * made meanwhile join the next sync.
   */
  async #write<T>(apply: (entry: JournalEntryDraft) => Promise<T> | T): Promise<T> {
    this.#refuseIfReadOnly();
    const { result, durable } = await this.#exclusive(async () => {
      const draft = new JournalEntryDraft(this.location);
      const result = await apply(draft);
      const { statements } = draft;
      if (statements.length === 0) return { result, durable: undefined };
      const sequence = this.#nextSequence++;
      if (this.#commits) {
        return { result, durable: this.#commits.commit({ sequence, statements }) };
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

  /**
   * Inside an exclusive task: snapshot everything once it is durable; with nothing new
   * since the last checkpoint, only when the target asks for one or `evenIfUnchanged`.
   */
  async #checkpoint({ evenIfUnchanged = false } = {}): Promise<void> {
    await this.#writing?.catch(() => undefined);
    await this.#commits?.flushed();
    if (this.#failure) throw this.#failure;
    const sequence = this.#nextSequence - 1;
    const unchanged = sequence === this.#checkpointedSequence;
    if (this.#persistence.readOnly) return;
    if (unchanged && !evenIfUnchanged && !this.#persistence.wantsCheckpoint?.()) return;
    await this.#writeSnapshot(sequence);
  }

  /**
   * A checkpoint that holds later calls back only while the snapshot is taken: they go on
   * while it is written (the target appends their entries meanwhile, and keeps them).
   */
  async #checkpointAlongside(): Promise<void> {
    const { writing } = await this.#exclusive(async () => {
      await this.#commits?.flushed();
      if (this.#failure) throw this.#failure;
      // One asked for meanwhile is under way already, or was written.
      if (this.#writing || !this.#persistence.wantsCheckpoint?.())
        return { writing: this.#writing };
      // Begun before this task ends, so that no entry is appended before the target has it.
      const sequence = this.#nextSequence - 1;
      this.#writing = this.#writeSnapshot(sequence, { fromStored: true }).finally(() => {
        this.#writing = undefined;
      });
      this.#writing.catch(() => undefined);
      return { writing: this.#writing };
    });
    await writing;
  }

  /**
   * Hands the target a snapshot holding every entry up to `sequence`, all of them durable;
   * with `fromStored`, lets the target rebuild it from what it stores when it can. Either is
   * begun before the first await, within the caller's turn.
   */
  async #writeSnapshot(sequence: number, { fromStored = false } = {}): Promise<void> {
    const persistence = this.#persistence;
    try {
      await ((fromStored && persistence.checkpointFromStored?.(sequence)) ||
        persistence.checkpoint(checkpointImage(this.#db, sequence, this.#fileFormat)));
    } catch (error) {
      // close() closes everything itself.
      if (error instanceof ForeignWriteError && !this.#closing) this.#fail(error);
      throw error;
    }
    this.#checkpointedSequence = Math.max(this.#checkpointedSequence, sequence);
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
    this.#queue
      .run(async () => {
        // The acknowledged entries live only in a journal that can no longer be written
        // where it belongs: a snapshot of memory (every committed change) keeps them.
        if (this.#persistence.journalLost?.()) {
          try {
            const image = checkpointImage(this.#db, this.#nextSequence - 1, this.#fileFormat);
            await this.#persistence.checkpoint(image);
          } catch {}
        }
        this.#closeDatabase();
        await this.#persistence.close().catch(() => undefined);
      })
      .catch(() => undefined);
  }

  #runNow(
    sql: string,
    params: readonly SqlValue[] | undefined,
    entry: JournalEntryDraft,
  ): SqlRunResult {
    return entry.add(sql, params ?? [], () => {
      try {
        const bound = this.#utf8TextBinding()?.bind(sql, params ?? []) ?? {
          sql,
          params: params ?? [],
        };
        runPrepared(this.#statements.get(bound.sql), bound.params);
      } catch (error) {
        throw sqlError(error, sql, this.location);
      }
      return { changes: this.#db.getRowsModified() };
    });
  }

  #utf8TextBinding(): Utf8TextBinding | undefined {
    if (this.#textBinding === undefined && readPragma(this.#db, "schema_version") !== 0) {
      this.#textBinding = readPragma(this.#db, "encoding") === "UTF-8" && new Utf8TextBinding();
    }
    return this.#textBinding || undefined;
  }

  #allNow<Row extends SqlRow>(sql: string, params: readonly SqlValue[] | undefined): Row[] {
    try {
      return readPrepared<Row>(this.#statements.get(sql), params ?? []);
    } catch (error) {
      throw sqlError(error, sql, this.location);
    }
  }

  #closeDatabase(): void {
    this.#statements.clear();
    this.#db.close();
  }
}

/** The value of a PRAGMA that reads one value. */
function readPragma(db: SqlJsDatabase, name: "encoding" | "schema_version"): SqlValue {
  const statement = db.prepare(`PRAGMA ${name}`);
  try {
    return statement.step() ? (statement.get()[0] ?? null) : null;
  } finally {
    statement.free();
  }
}
