import { RowTooLargeError } from "../adapter/errors.js";
import type { SqlExecutor, SqlValue, StorageAdapter } from "../adapter/storage-adapter.js";
import type { NegotiationState } from "../domain/vocabulary.js";
import { describeValue } from "../errors/negotiation-error.js";
import { ValidationError } from "../errors/validation-error.js";
import { storeClosedError } from "./errors.js";
import {
  ChangeListeners,
  type NegotiationChange,
  type NegotiationChangeListener,
} from "./negotiation-change.js";
import {
  largestColumn,
  type NegotiationInput,
  negotiationToRow,
  type RestoredNegotiation,
  rebuiltNegotiation,
  rebuiltNegotiations,
  rowChecker,
} from "./negotiation-row.js";
import { NEGOTIATION_SQL as SQL, TERMINAL } from "./negotiation-state-sql.js";
import {
  NEGOTIATION_STATE_COLUMNS,
  type NegotiationStateRow,
  TABLE,
} from "./negotiation-state-table.js";
import { checkedThreadId } from "./thread-id.js";
import { formatTimestamp } from "./timestamp.js";

// The row contract's names, where the store's users (and the command line) found them.
export type { NegotiationInput, RestoredNegotiation } from "./negotiation-row.js";
export { restoreNegotiationRows } from "./negotiation-row.js";

/** Options of {@link NegotiationStateStore}. */
export interface NegotiationStateStoreOptions {
  /**
   * The time source for `created_at` and `updated_at`; `() => new Date()` by default. A save
   * is refused with a `ValidationError` at path `clock` (nothing is written, the store stays
   * open) when it returns anything but a valid `Date` in the years 0000 to 9999, the years
   * the stored form `YYYY-MM-DDTHH:MM:SSZ` holds.
   */
  readonly clock?: () => Date;
  /**
   * Whether `close()` also closes the adapter; `false` by default (the caller closes the
   * adapter it passed). `openNegotiationStore` sets it for the adapter it opens.
   */
  readonly ownsAdapter?: boolean;
}

/**
 * What the function of {@link NegotiationStateOperations.update} returns: what to do with the
 * negotiation.
 *
 * - a negotiation to save, as `save` takes it; its `threadId` may be left out, and when
 *   given must be the updated thread's;
 * - `null` or `undefined` to leave the negotiation as it is (or absent);
 * - `{ delete: true }` to delete it.
 */
export type NegotiationUpdate =
  | (Omit<NegotiationInput, "threadId"> & {
      /** The updated thread, when given; any other is refused. */
      readonly threadId?: string;
    })
  | {
      /** Deletes the negotiation. */
      readonly delete: true;
    }
  | null
  | undefined;

/** What a store does, on its own or inside {@link NegotiationStateStore.transaction}. */
export interface NegotiationStateOperations {
  /**
   * Inserts or replaces one negotiation, keeping its first `created_at` and setting
   * `updated_at` to now. Everything is validated and serialized before anything is
   * written, so a refused save writes nothing.
   *
   * @param negotiation - The negotiation to store.
   * @returns Once the row is durable (inside a transaction: once it is written; the
   *   transaction is durable when it resolves).
   * @throws `ValidationError` (code `INVALID_INPUT`), `CampaignValidationError` (code
   *   `INVALID_CAMPAIGN`) or `ContextSerializationError` (code `CONTEXT_NOT_SERIALIZABLE`)
   *   naming the bad field; `ValidationError` at path `clock` when the store's clock gives an
   *   invalid `Date` or one outside the years 0000 to 9999; `RowTooLargeError` (a
   *   `ValidationError`, code `ROW_TOO_LARGE`) at the row's largest column
   *   (`negotiation_state["thread-1"].context_json`) when the row, with the transaction's
   *   earlier changes, would need a journal record of more than `MAX_JOURNAL_PAYLOAD_BYTES`;
   *   after any of these nothing is written and the store stays open. `StorageError` (code
   *   `STORAGE_FAILED`) when the write could not be made durable, or a `ForeignWriteError`
   *   (code `FOREIGN_WRITE`) when another program changed the database file.
   * @example
   * const machine = new NegotiationStateMachine();
   * machine.trigger("send_offer");
   * await store.save({
   *   threadId: "<t1@mail>",
   *   stateMachine: machine,
   *   context: { next_cpm: "24.50" },
   *   campaign,
   *   cpmTracker,
   *   roundCount: 0,
   * });
   * // durable now: send the email
   */
  save(negotiation: NegotiationInput): Promise<void>;

  /**
   * Rebuilds one negotiation, in whatever state (finished ones included): a lookup of the
   * thread in the table's primary key, never a scan.
   *
   * @param threadId - Its thread.
   * @returns The negotiation as stored, or `null` when there is none on that thread.
   * @throws `ValidationError` (code `INVALID_INPUT`, path `threadId`) for a thread id that
   *   could not be stored; `RestoreError` (code `RESTORE_INCOMPLETE`) when its row cannot be
   *   rebuilt: `restored` is empty and `failures` names each unreadable column, as
   *   `restoreActive` does; `StorageError` (code `STORAGE_FAILED`) when the read fails.
   * @example
   * const negotiation = await store.load("<t1@mail>");
   * if (negotiation?.stateMachine.state === "counter_received") {
   *   // answer the influencer
   * }
   */
  load(threadId: string): Promise<RestoredNegotiation | null>;

  /**
   * Reads one negotiation's row as stored, in whatever state: a lookup of the thread in the
   * table's primary key, never a scan. For tools that show or copy the stored text itself
   * (`"25.50"` as the Python service wrote it); nothing is parsed or checked.
   *
   * @param threadId - Its thread.
   * @returns The row with exactly the table's columns, or `null` when there is none.
   * @throws `ValidationError` (code `INVALID_INPUT`, path `threadId`) for a thread id that
   *   could not be stored; `StorageError` (code `STORAGE_FAILED`) when the read fails.
   */
  loadRow(threadId: string): Promise<NegotiationStateRow | null>;

  /**
   * Reads every negotiation, in any state, oldest first (by `created_at`, then thread id).
   *
   * @returns Rows with exactly the table's columns, as stored (nothing is parsed).
   * @throws `StorageError` (code `STORAGE_FAILED`) when the read fails.
   */
  loadAll(): Promise<NegotiationStateRow[]>;

  /**
   * Rebuilds every negotiation, in any state, oldest first, as `restoreActive` does for the
   * unfinished ones: every row is tried, and none is dropped silently.
   *
   * @returns The negotiations as domain objects, when every row was rebuilt.
   * @throws `RestoreError` (code `RESTORE_INCOMPLETE`) when one or more rows cannot be
   *   rebuilt: `error.restored` holds every negotiation that was, oldest first, and
   *   `error.failures` names each other row by `threadId`, `column` and `problem`.
   *   `StorageError` (code `STORAGE_FAILED`) when the read fails.
   */
  restoreAll(): Promise<RestoredNegotiation[]>;

  /**
   * Reads, changes and writes one negotiation as one exclusive unit (DESIGN §3): `fn` gets
   * the negotiation as stored, and what it returns is saved (as `save` does), left, or
   * deleted, as one transaction. Two updates of one thread never interleave, in one
   * process or, on PostgreSQL, across replicas (the thread stays locked from the read to
   * the commit): the second sees what the first saved, so no transition is lost when two
   * replies of one thread are handled at once, and a thread two replicas create at once is
   * created once. Inside a transaction, it is part of it. A plain `save` takes no such
   * lock: it is last-writer-wins.
   *
   * `fn` must only compute its answer from `current`: an engine that retries a transaction
   * (a deadlock, a serialization failure) runs it again, with the row as it is then. It may
   * change `current` (trigger its machine) and return it. It must not call the store: the
   * store waits for the update, which would wait for the call.
   *
   * @param threadId - The thread.
   * @param fn - Gets the negotiation as stored (`null` when there is none) and returns what
   *   to do (see {@link NegotiationUpdate}); may return a promise of it.
   * @returns The negotiation as stored afterwards (`null` when there is none), once the
   *   change is durable.
   * @throws What `fn` threw (nothing is written); `ValidationError` (path `threadId`) for a
   *   thread id that could not be stored, or when `fn` returns another thread's; what `save`
   *   throws for the negotiation `fn` returned (nothing is written); `RestoreError` when the
   *   stored row cannot be rebuilt (`fn` is not called); `StorageError` when the change
   *   cannot be made durable, or the store is read-only.
   * @example
   * // Two replies of one thread handled at once: each sees what the other saved.
   * const after = await store.update("<t1@mail>", (current) => {
   *   if (current === null) return null;
   *   current.stateMachine.trigger("receive_reply");
   *   return { ...current, roundCount: current.roundCount + 1 };
   * });
   */
  update(
    threadId: string,
    fn: (current: RestoredNegotiation | null) => NegotiationUpdate | Promise<NegotiationUpdate>,
  ): Promise<RestoredNegotiation | null>;

  /**
   * Writes one row as it is given, for tools that copy rows (from another database, from
   * an export): its own `created_at` and `updated_at`, and its JSON columns' text exactly
   * (a Python-written `"25.50"` stays `"25.50"`; nothing is serialized again). The row is
   * checked first, as the store checks every row it restores, so a row written here
   * restores; a row of that thread is replaced, whole. Properties other than the table's
   * columns are ignored.
   *
   * @param row - The row, with the table's nine columns.
   * @returns Whether it replaced a row of its thread, once it is durable.
   * @throws `RestoreError` (code `RESTORE_INCOMPLETE`, a `ValidationError`) whose `failures`
   *   name the row's thread and each column the store could not restore (`path`
   *   `negotiation_state["thread-1"].history_json`): nothing is written. `ValidationError`
   *   at `row` for a value that is not an object; `RowTooLargeError` as for `save`;
   *   `StorageError` when the write cannot be made durable, or the store is read-only.
   * @example
   * // Copy every negotiation from one store into another, each row as it is.
   * await target.transaction(async (tx) => {
   *   for (const row of await source.loadAll()) await tx.putRow(row);
   * });
   */
  putRow(row: NegotiationStateRow): Promise<boolean>;

  /**
   * Reads the negotiations that are not finished (not agreed, rejected or stopped), oldest
   * first.
   *
   * @returns Rows with exactly the table's columns, as stored (nothing is parsed).
   * @throws `StorageError` (code `STORAGE_FAILED`) when the read fails.
   */
  loadActive(): Promise<NegotiationStateRow[]>;

  /**
   * Rebuilds every unfinished negotiation from its row, without replaying events. Every
   * row is tried: one that cannot be rebuilt never hides the others, and none is dropped
   * silently. Each negotiation is its own: rows of one campaign are read once, but every
   * negotiation gets its own copy of the campaign, tracker, context and machine, so a
   * caller may change any of them without touching another.
   *
   * @returns The negotiations as domain objects, oldest first, when every row was rebuilt.
   * @throws `RestoreError` (code `RESTORE_INCOMPLETE`, a `ValidationError`) when one or more
   *   rows cannot be rebuilt: `error.restored` holds every negotiation that was rebuilt,
   *   oldest first, exactly as this would have returned them, and `error.failures` names
   *   each other row by `threadId`, `column` and `problem`, one entry per unreadable column
   *   (`state`, `history_json`, `context_json`, `campaign_json`, `cpm_tracker_json`).
   *   Each active row is in exactly one of the two. `StorageError` (code `STORAGE_FAILED`)
   *   when the read fails.
   * @example
   * let active: RestoredNegotiation[];
   * try {
   *   active = await store.restoreActive();
   * } catch (error) {
   *   if (!(error instanceof RestoreError)) throw error;
   *   for (const { threadId, column, problem } of error.failures) {
   *     console.error(`not restored: ${threadId} (${column}): ${problem}`);
   *   }
   *   active = error.restored; // go on with every negotiation that was rebuilt
   * }
   */
  restoreActive(): Promise<RestoredNegotiation[]>;

  /**
   * Deletes one negotiation.
   *
   * @param threadId - Its thread.
   * @returns Whether a row was deleted, once the deletion is durable.
   * @throws `ValidationError` (code `INVALID_INPUT`, path `threadId`) for a thread id that
   *   could not be stored; `StorageError` (code `STORAGE_FAILED`) when the deletion could
   *   not be made durable.
   */
  delete(threadId: string): Promise<boolean>;
}

/**
 * Saves and restores negotiations in the `negotiation_state` table (DESIGN §4) through a
 * {@link StorageAdapter}. Every save and delete resolves only once it is durable; saves
 * made concurrently share one sync. After `close()`, every call rejects with a
 * `StorageError` of code `STORAGE_CLOSED`.
 *
 * Closing it is `await store.close()`, or an `await using` declaration that closes it when
 * its block ends, however the block ends.
 *
 * @example
 * const store = await openNegotiationStore({ persistence: memoryPersistence() });
 * await store.save({ threadId: "thread-1", stateMachine, context: {}, campaign, cpmTracker, roundCount: 0 });
 * const active = await store.restoreActive();
 */
export class NegotiationStateStore implements NegotiationStateOperations {
  readonly #listeners = new ChangeListeners();
  readonly #backend: StoreBackend;
  #closing: Promise<void> | undefined;

  /**
   * Makes a store on an open adapter. {@link openNegotiationStore} opens the adapter, creates
   * the table and builds the store in one call.
   *
   * @param adapter - The database; its table must exist (`initNegotiationStateTable`).
   * @param options - Clock and adapter ownership.
   */
  constructor(adapter: StorageAdapter, options: NegotiationStateStoreOptions = {}) {
    const listeners = this.#listeners;
    this.#backend =
      givenBackend?.(listeners) ??
      adapterBackend(adapter, {
        clock: options.clock ?? (() => new Date()),
        ownsAdapter: options.ownsAdapter ?? false,
        deliver: (changes) => listeners.deliver(changes),
        listening: () => listeners.active,
      });
  }

  /** {@inheritDoc NegotiationStateOperations.save} */
  async save(negotiation: NegotiationInput): Promise<void> {
    this.#ensureOpen();
    return this.#backend.operations.save(negotiation);
  }

  /** {@inheritDoc NegotiationStateOperations.loadActive} */
  async loadActive(): Promise<NegotiationStateRow[]> {
    this.#ensureOpen();
    return this.#backend.operations.loadActive();
  }

  /** {@inheritDoc NegotiationStateOperations.restoreActive} */
  async restoreActive(): Promise<RestoredNegotiation[]> {
    this.#ensureOpen();
    return this.#backend.operations.restoreActive();
  }

  /** {@inheritDoc NegotiationStateOperations.load} */
  async load(threadId: string): Promise<RestoredNegotiation | null> {
    this.#ensureOpen();
    return this.#backend.operations.load(threadId);
  }

  /** {@inheritDoc NegotiationStateOperations.loadRow} */
  async loadRow(threadId: string): Promise<NegotiationStateRow | null> {
    this.#ensureOpen();
    return this.#backend.operations.loadRow(threadId);
  }

  /** {@inheritDoc NegotiationStateOperations.loadAll} */
  async loadAll(): Promise<NegotiationStateRow[]> {
    this.#ensureOpen();
    return this.#backend.operations.loadAll();
  }

  /** {@inheritDoc NegotiationStateOperations.restoreAll} */
  async restoreAll(): Promise<RestoredNegotiation[]> {
    this.#ensureOpen();
    return this.#backend.operations.restoreAll();
  }

  /** {@inheritDoc NegotiationStateOperations.update} */
  async update(
    threadId: string,
    fn: (current: RestoredNegotiation | null) => NegotiationUpdate | Promise<NegotiationUpdate>,
  ): Promise<RestoredNegotiation | null> {
    this.#ensureOpen();
    // One transaction: the read, fn and the write run before any other call.
    return this.#backend.transaction(false, (operations) => operations.update(threadId, fn));
  }

  /** {@inheritDoc NegotiationStateOperations.putRow} */
  async putRow(row: NegotiationStateRow): Promise<boolean> {
    this.#ensureOpen();
    // The check for an existing row and the write are one unit.
    return this.#backend.transaction(false, (operations) => operations.putRow(row));
  }

  /** {@inheritDoc NegotiationStateOperations.delete} */
  async delete(threadId: string): Promise<boolean> {
    this.#ensureOpen();
    return this.#backend.operations.delete(threadId);
  }

  /**
   * Runs `fn` as one durable unit: every save and delete it makes through `tx` is
   * committed together (on a file: one journal record, one sync), or none is when `fn`
   * throws. Inside `fn`, use `tx`, not the store: on sql.js other calls wait until it ends
   * (so a call on the store would wait for the transaction waiting for it); on PostgreSQL
   * they run beside it, and `fn` may run again when the server aborts the transaction for
   * a deadlock or a serialization failure, so it must do nothing but compute and call `tx`.
   *
   * @typeParam T - What `fn` resolves to.
   * @param fn - The work; receives the store's operations bound to the transaction.
   * @returns What `fn` returned, once the whole unit is durable.
   * @throws What `fn` threw (nothing is written), or a `StorageError` (code
   *   `STORAGE_FAILED`) when the commit could not be made durable.
   * @example
   * // Start a campaign's 500 negotiations as one durable unit.
   * await store.transaction(async (tx) => {
   *   for (const negotiation of negotiations) await tx.save(negotiation);
   * });
   */
  async transaction<T>(fn: (tx: NegotiationStateOperations) => Promise<T>): Promise<T> {
    this.#ensureOpen();
    return this.#backend.transaction(true, fn);
  }

  /**
   * Tells `listener` of every change this store makes (a save, an update, a row put, a
   * delete that removed a row) once it is durable, in commit order, exactly once: a
   * transaction's changes once the whole transaction is, none of a transaction that rolled
   * back. Listening costs a save nothing while no one listens.
   *
   * @param listener - Called with `{ threadId, state, kind }`; see {@link NegotiationChangeListener}.
   * @returns A function that unsubscribes; calling it again does nothing.
   * @example
   * const unsubscribe = store.subscribe(({ threadId, state, kind }) => {
   *   console.log(kind === "delete" ? `${threadId} deleted` : `${threadId} is ${state}`);
   * });
   * await store.save(negotiation); // logs once the save is durable
   * unsubscribe();
   */
  subscribe(listener: NegotiationChangeListener): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * Stops using the store. Closes the adapter when the store owns it
   * (`openNegotiationStore`): every save is then in the persistence target's snapshot, and
   * its lock is released. An adapter the caller passed stays open. Idempotent: every call
   * returns the same promise. `await using` calls it through `[Symbol.asyncDispose]`.
   *
   * @returns Once the store (and the adapter it owns) is closed.
   * @throws What the owned adapter's `close()` throws: a `StorageError` when the last
   *   checkpoint cannot be written (nothing acknowledged is lost: the journal keeps it).
   */
  close(): Promise<void> {
    this.#closing ??= this.#backend.close();
    return this.#closing;
  }

  /**
   * Closes the store as {@link NegotiationStateStore.close} does: what an `await using`
   * declaration calls when its block ends. A runtime without `Symbol.asyncDispose` needs
   * the usual polyfill (`Symbol.asyncDispose ??= Symbol.for("Symbol.asyncDispose")`) to run
   * before this package is imported.
   *
   * @returns The promise of `close()`.
   * @example
   * {
   *   await using store = await openNegotiationStore({ persistence: memoryPersistence() });
   *   await store.save(negotiation);
   * } // closed here, even when the block throws
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #ensureOpen(): void {
    if (this.#closing) {
      throw storeClosedError();
    }
  }
}

/**
 * The operations as a backend gives them: the public ones, and what another context's
 * forwarded save needs.
 *
 * @internal
 */
export interface StoreOperations extends NegotiationStateOperations {
  /**
   * Saves a row that a save made in another context (its `created_at` kept only for a new
   * thread, as a save keeps it): checked as `putRow` checks a row, then written as `save`
   * writes one.
   */
  saveRow(row: NegotiationStateRow): Promise<void>;
}

/**
 * What a store's calls run on: its adapter (the store that writes), or another context's
 * store (a second tab's, which forwards its calls to the writer).
 *
 * @internal
 */
export interface StoreBackend {
  /** The operations outside a transaction: a change is durable once its call resolves. */
  readonly operations: StoreOperations;
  /**
   * Runs `body` as one durable unit, its changes told once it is durable.
   *
   * @param batched - A caller's `transaction` (its changes are journaled together), not the
   *   store's own unit of a read and a write (`update`, `putRow`).
   */
  transaction<T>(batched: boolean, body: (operations: StoreOperations) => Promise<T>): Promise<T>;
  /** Stops the backend; what the store's `close()` returns. */
  close(): Promise<void>;
}

/** Set while {@link storeOverBackend} builds a store: the backend it is to use. */
let givenBackend: ((listeners: ChangeListeners) => StoreBackend) | undefined;

/**
 * A store whose calls run on the backend `make` returns; `make` gets the store's listeners.
 *
 * @internal
 */
export function storeOverBackend(
  make: (listeners: ChangeListeners) => StoreBackend,
): NegotiationStateStore {
  givenBackend = make;
  try {
    // The public constructor takes an adapter; the backend stands in for it.
    return new NegotiationStateStore(undefined as unknown as StorageAdapter);
  } finally {
    givenBackend = undefined;
  }
}

/**
 * The backend of a store on an adapter: the operations run on it, and each change is told
 * (`deliver`) once it is durable.
 *
 * @internal
 */
export function adapterBackend(
  adapter: StorageAdapter,
  options: {
    readonly clock: () => Date;
    readonly ownsAdapter: boolean;
    readonly deliver: (changes: readonly NegotiationChange[]) => void;
    /** Whether changes are wanted at all: none is made while no one would be told. */
    readonly listening: () => boolean;
  },
): StoreBackend {
  const { clock, ownsAdapter, deliver, listening } = options;
  const checkRow = rowChecker();
  const keyProblem = adapter.keyProblem?.bind(adapter);
  const context = (batched: boolean, record: (change: NegotiationChange) => void) => ({
    clock,
    checkRow,
    keyProblem,
    batched,
    changed: (
      threadId: string,
      state: NegotiationState | null,
      kind: NegotiationChange["kind"],
    ) => {
      if (listening()) record({ threadId, state, kind });
    },
  });
  return {
    // Outside a transaction, a change is durable once its statement resolves.
    operations: operationsOn(
      adapter,
      context(false, (change) => deliver([change])),
    ),
    async transaction(batched, body) {
      let changes: NegotiationChange[] = [];
      const result = await adapter.transaction((executor) => {
        // A transaction run again (after a PostgreSQL deadlock) starts its changes over.
        const attempt: NegotiationChange[] = [];
        changes = attempt;
        return body(
          operationsOn(
            executor,
            context(batched, (change) => attempt.push(change)),
          ),
        );
      });
      if (changes.length > 0) deliver(changes);
      return result;
    },
    close: () => (ownsAdapter ? adapter.close() : Promise.resolve()),
  };
}

/** What the operations need beside their executor. */
interface OperationsContext {
  readonly clock: () => Date;
  /** Checks a row given to be written as it is (see `rowChecker`). */
  readonly checkRow: (row: unknown) => NegotiationStateRow;
  /** The adapter's rule for primary keys, when its engine has one. */
  readonly keyProblem: ((key: string) => string | undefined) | undefined;
  /** Whether the executor is a transaction's, whose changes are journaled together (said when a row is too large). */
  readonly batched: boolean;
  /** Records a change the executor made (durable once the executor's work is). */
  readonly changed: (
    threadId: string,
    state: NegotiationState | null,
    kind: NegotiationChange["kind"],
  ) => void;
}

/**
 * The operations on one executor: the adapter, or a transaction's. `update` and `putRow`
 * read before they write, so the store runs them in a transaction of their own.
 */
function operationsOn(
  executor: SqlExecutor,
  { clock, checkRow, keyProblem, batched, changed }: OperationsContext,
): StoreOperations {
  const storableThread = (threadId: unknown, path = "threadId") => {
    const thread = checkedThreadId(threadId, path);
    const problem = keyProblem?.(thread);
    if (problem !== undefined) throw new ValidationError(path, problem);
    return thread;
  };
  const rows = async (sql: string, params?: readonly SqlValue[]) =>
    (await executor.all<NegotiationStateRow & Record<string, SqlValue>>(sql, params)).sort(
      oldestFirst,
    );

  const write = async (sql: string, params: readonly SqlValue[], row: NegotiationStateRow) => {
    try {
      await executor.run(sql, params);
    } catch (error) {
      if (!(error instanceof RowTooLargeError)) throw error;
      // The adapter names a statement parameter; the row's own names say more.
      throw new RowTooLargeError(
        `${TABLE}[${JSON.stringify(row.thread_id)}].${largestColumn(row)}`,
        batched ? "saving it, with its transaction's changes before it," : "saving it",
        error.bytes,
        error.limit,
        error.location,
      );
    }
  };

  /** Writes a row as a save does (a stored `created_at` stays), and records the change. */
  const upsert = async (row: NegotiationStateRow, path: string) => {
    storableThread(row.thread_id, path);
    await write(
      SQL.upsert,
      NEGOTIATION_STATE_COLUMNS.map((column) => row[column]),
      row,
    );
    changed(row.thread_id, row.state as NegotiationState, "save");
    return row;
  };
  const saveNegotiation = (negotiation: NegotiationInput) =>
    upsert(negotiationToRow(negotiation, formatTimestamp(clock())), "threadId");
  const operations: StoreOperations = {
    async save(negotiation) {
      await saveNegotiation(negotiation);
    },
    async saveRow(given) {
      await upsert(checkRow(given), "thread_id");
    },
    loadActive: () => rows(SQL.selectActive, TERMINAL),
    async restoreActive() {
      return rebuiltNegotiations(await rows(SQL.selectActive, TERMINAL));
    },
    loadAll: () => rows(SQL.selectAll),
    async restoreAll() {
      return rebuiltNegotiations(await rows(SQL.selectAll));
    },
    async loadRow(threadId) {
      const [row] = await executor.all<NegotiationStateRow & Record<string, SqlValue>>(
        SQL.selectOne,
        [storableThread(threadId)],
      );
      return row ?? null;
    },
    async load(threadId) {
      const row = await operations.loadRow(threadId);
      return row === null ? null : rebuiltNegotiation(row);
    },
    async update(threadId, fn) {
      const thread = storableThread(threadId);
      // Where transactions run side by side, this one owns the thread until it ends.
      await executor.lock?.(`${TABLE}:${thread}`);
      return applyUpdate(thread, await operations.loadRow(thread), fn, {
        save: saveNegotiation,
        remove: () => operations.delete(thread),
      });
    },
    async putRow(given) {
      const row = checkRow(given);
      storableThread(row.thread_id, "thread_id");
      const existing = await executor.all(SQL.selectExists, [row.thread_id]);
      await write(
        SQL.putRow,
        NEGOTIATION_STATE_COLUMNS.map((column) => row[column]),
        row,
      );
      changed(row.thread_id, row.state as NegotiationState, "save");
      return existing.length > 0;
    },
    async delete(threadId) {
      const thread = storableThread(threadId);
      const { changes } = await executor.run(SQL.deleteOne, [thread]);
      if (changes > 0) changed(thread, null, "delete");
      return changes > 0;
    },
  };
  return operations;
}

/**
 * What `update` does once it has read the thread's row (`before`) within its unit: runs
 * `fn` on the negotiation rebuilt from it, then saves or deletes what `fn` asks for.
 *
 * @returns The negotiation as it now stands, rebuilt from what is stored; `null` once absent.
 * @internal
 */
export async function applyUpdate(
  thread: string,
  before: NegotiationStateRow | null,
  fn: (current: RestoredNegotiation | null) => NegotiationUpdate | Promise<NegotiationUpdate>,
  write: {
    /** Saves the negotiation; resolves to the row as stored. */
    readonly save: (negotiation: NegotiationInput) => Promise<NegotiationStateRow>;
    readonly remove: () => Promise<unknown>;
  },
): Promise<RestoredNegotiation | null> {
  const change = await fn(before === null ? null : rebuiltNegotiation(before));
  // `fn` may have changed what it was given: what is stored is rebuilt again.
  if (change === null || change === undefined) {
    return before === null ? null : rebuiltNegotiation(before);
  }
  if ((change as { delete?: unknown }).delete === true) {
    await write.remove();
    return null;
  }
  const negotiation = change as Exclude<NegotiationUpdate, { delete: true } | null | undefined>;
  if (negotiation.threadId !== undefined && negotiation.threadId !== thread) {
    throw new ValidationError(
      "threadId",
      `must be the updated thread ${JSON.stringify(thread)}, got ${describeValue(negotiation.threadId)}`,
    );
  }
  const row = await write.save({ ...negotiation, threadId: thread });
  // The upsert kept the first save's created_at; the thread is this update's alone.
  return rebuiltNegotiation({ ...row, created_at: before?.created_at ?? row.created_at });
}

function oldestFirst(a: NegotiationStateRow, b: NegotiationStateRow): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.thread_id < b.thread_id ? -1 : a.thread_id > b.thread_id ? 1 : 0;
}
