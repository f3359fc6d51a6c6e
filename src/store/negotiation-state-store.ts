import { RowTooLargeError } from "../adapter/errors.js";
import type { SqlExecutor, SqlValue, StorageAdapter } from "../adapter/storage-adapter.js";
import {
  type Campaign,
  copyCampaign,
  deserializeCampaign,
  serializeCampaign,
} from "../domain/campaign.js";
import type { CampaignCPMTracker, CpmTrackerDict } from "../domain/campaign-cpm-tracker.js";
import {
  type NegotiationSnapshot,
  NegotiationStateMachine,
} from "../domain/negotiation-state-machine.js";
import { TERMINAL_STATES } from "../domain/transitions.js";
import { describeValue, isNegotiationError } from "../errors/negotiation-error.js";
import { ValidationError } from "../errors/validation-error.js";
import { StorageError } from "../persistence/errors.js";
import { deserializeContext, serializeContext } from "./context-serializer.js";
import { deserializeCpmTracker, serializeCpmTracker } from "./cpm-tracker-serializer.js";
import { RestoreError, type RowFailure } from "./errors.js";
import { type NegotiationStateRow, TABLE } from "./negotiation-state-table.js";
import { checkedThreadId } from "./thread-id.js";

/** What {@link NegotiationStateStore.save} stores for one negotiation (one email thread). */
export interface NegotiationInput {
  /**
   * The email thread; any non-empty, well-formed Unicode text, stored literally. Refused:
   * a lone surrogate (UTF-8 cannot hold it) and a leading U+FEFF (sql.js drops it on reading).
   */
  readonly threadId: string;
  /** The negotiation's state machine; its state and history are stored. */
  readonly stateMachine: Pick<NegotiationStateMachine, "toSnapshot">;
  /** Free-form JSON-safe data; `Big` values are stored as decimal strings. */
  readonly context: Record<string, unknown>;
  /** The campaign, parsed or as plain input; validated before anything is written. */
  readonly campaign: Campaign | Record<string, unknown>;
  /** The campaign's CPM tracker, or its `toDict()` form. */
  readonly cpmTracker: CampaignCPMTracker | CpmTrackerDict;
  /** How many rounds of negotiation have happened; a non-negative integer. */
  readonly roundCount: number;
}

/**
 * A negotiation rebuilt from its row by {@link NegotiationStateStore.restoreActive}: domain
 * objects, ready to go on with and to save again.
 */
export interface RestoredNegotiation {
  /** The email thread, as stored. */
  readonly threadId: string;
  /** The state machine, rebuilt from the stored state and history without replaying events. */
  readonly stateMachine: NegotiationStateMachine;
  /**
   * The context as stored: decimals come back as strings, and an integer JavaScript cannot
   * hold exactly as a `bigint` (see {@link deserializeContext}).
   */
  readonly context: Record<string, unknown>;
  /** The campaign, parsed (money as `Big`); a copy of its own, shared with no other negotiation. */
  readonly campaign: Campaign;
  /** The campaign's CPM tracker as it was saved with this negotiation. */
  readonly cpmTracker: CampaignCPMTracker;
  /** How many rounds of negotiation have happened. */
  readonly roundCount: number;
  /** When the negotiation was first saved, UTC `YYYY-MM-DDTHH:MM:SSZ`, as stored. */
  readonly createdAt: string;
  /** When it was last saved, in the same form. */
  readonly updatedAt: string;
}

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

const COLUMNS =
  "thread_id, state, round_count, context_json, campaign_json, cpm_tracker_json, history_json, created_at, updated_at";

const UPSERT = `INSERT OR REPLACE INTO ${TABLE} (${COLUMNS})
  VALUES (?, ?, ?, ?, ?, ?, ?, COALESCE((SELECT created_at FROM ${TABLE} WHERE thread_id = ?), ?), ?)`;

const TERMINAL = /* @__PURE__ */ Array.from(TERMINAL_STATES);

// Sorted in JavaScript: SQLite's sorter would copy every ~3 KB row to order them.
const SELECT_ACTIVE = /* @__PURE__ */ (() => `SELECT ${COLUMNS} FROM ${TABLE}
  WHERE state NOT IN (${TERMINAL.map(() => "?").join(", ")})`)();

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
   * silently.
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
  readonly #adapter: StorageAdapter;
  readonly #clock: () => Date;
  readonly #ownsAdapter: boolean;
  readonly #operations: NegotiationStateOperations;
  #closing: Promise<void> | undefined;

  /**
   * Makes a store on an open adapter. {@link openNegotiationStore} opens the adapter, creates
   * the table and builds the store in one call.
   *
   * @param adapter - The database; its table must exist (`initNegotiationStateTable`).
   * @param options - Clock and adapter ownership.
   */
  constructor(adapter: StorageAdapter, options: NegotiationStateStoreOptions = {}) {
    this.#adapter = adapter;
    this.#clock = options.clock ?? (() => new Date());
    this.#ownsAdapter = options.ownsAdapter ?? false;
    this.#operations = operationsOn(adapter, this.#clock, false);
  }

  /** {@inheritDoc NegotiationStateOperations.save} */
  async save(negotiation: NegotiationInput): Promise<void> {
    this.#ensureOpen();
    return this.#operations.save(negotiation);
  }

  /** {@inheritDoc NegotiationStateOperations.loadActive} */
  async loadActive(): Promise<NegotiationStateRow[]> {
    this.#ensureOpen();
    return this.#operations.loadActive();
  }

  /** {@inheritDoc NegotiationStateOperations.restoreActive} */
  async restoreActive(): Promise<RestoredNegotiation[]> {
    this.#ensureOpen();
    return this.#operations.restoreActive();
  }

  /** {@inheritDoc NegotiationStateOperations.delete} */
  async delete(threadId: string): Promise<boolean> {
    this.#ensureOpen();
    return this.#operations.delete(threadId);
  }

  /**
   * Runs `fn` as one durable unit: every save and delete it makes through `tx` is
   * committed together (one journal record, one sync), or none is when `fn` throws.
   * Other calls wait until it ends; inside `fn`, use `tx`, not the store.
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
    return this.#adapter.transaction((executor) => fn(operationsOn(executor, this.#clock, true)));
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
    this.#closing ??= this.#ownsAdapter ? this.#adapter.close() : Promise.resolve();
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
      throw new StorageError("The negotiation store is closed", { code: "STORAGE_CLOSED" });
    }
  }
}

/** @param inTransaction - Whether `executor` is a transaction's, whose changes are journaled together. */
function operationsOn(
  executor: SqlExecutor,
  clock: () => Date,
  inTransaction: boolean,
): NegotiationStateOperations {
  const loadActive = async () =>
    (
      await executor.all<NegotiationStateRow & Record<string, SqlValue>>(SELECT_ACTIVE, TERMINAL)
    ).sort(oldestFirst);
  return {
    async save(negotiation) {
      const now = formatTimestamp(clock());
      const row = toRow(negotiation);
      try {
        await executor.run(UPSERT, [
          row.thread_id,
          row.state,
          row.round_count,
          row.context_json,
          row.campaign_json,
          row.cpm_tracker_json,
          row.history_json,
          row.thread_id,
          now,
          now,
        ]);
      } catch (error) {
        if (!(error instanceof RowTooLargeError)) throw error;
        // The adapter names a statement parameter; the row's own names say more.
        throw new RowTooLargeError(
          `${TABLE}[${JSON.stringify(row.thread_id)}].${largestColumn(row)}`,
          inTransaction ? "saving it, with its transaction's changes before it," : "saving it",
          error.bytes,
          error.limit,
          error.location,
        );
      }
    },
    loadActive,
    async restoreActive() {
      const { restored, failures } = rebuildRows(await loadActive());
      if (failures.length > 0) throw new RestoreError(TABLE, restored, failures);
      return restored;
    },
    async delete(threadId) {
      const { changes } = await executor.run(`DELETE FROM ${TABLE} WHERE thread_id = ?`, [
        checkedThreadId(threadId),
      ]);
      return changes > 0;
    },
  };
}

function toRow(
  negotiation: NegotiationInput,
): Omit<NegotiationStateRow, "created_at" | "updated_at"> {
  const snapshot = checkedSnapshot(negotiation.stateMachine);
  return {
    thread_id: checkedThreadId(negotiation.threadId),
    state: snapshot.state,
    round_count: checkedRoundCount(negotiation.roundCount),
    context_json: serializeContext(negotiation.context),
    campaign_json: serializeCampaign(negotiation.campaign),
    cpm_tracker_json: JSON.stringify(serializeCpmTracker(negotiation.cpmTracker)),
    history_json: JSON.stringify(snapshot.history),
  };
}

/** The columns that can be large, the one most often largest first. */
const TEXT_COLUMNS = [
  "context_json",
  "campaign_json",
  "cpm_tracker_json",
  "history_json",
  "thread_id",
] as const;

function largestColumn(row: Omit<NegotiationStateRow, "created_at" | "updated_at">): string {
  return TEXT_COLUMNS.reduce((largest, column) =>
    row[column].length > row[largest].length ? column : largest,
  );
}

function checkedRoundCount(roundCount: unknown): number {
  if (!Number.isSafeInteger(roundCount) || (roundCount as number) < 0) {
    throw new ValidationError(
      "roundCount",
      `must be a non-negative integer, got ${String(roundCount)}`,
    );
  }
  return roundCount as number;
}

function checkedSnapshot(stateMachine: unknown): NegotiationSnapshot {
  const machine = stateMachine as Partial<NegotiationStateMachine> | null;
  if (typeof machine?.toSnapshot !== "function") {
    throw new ValidationError("stateMachine", "must be a NegotiationStateMachine");
  }
  const { state, history, prePauseState } = machine.toSnapshot();
  // Rebuilding checks every state and event name before they reach the table.
  return NegotiationStateMachine.fromSnapshot(state, history, prePauseState).toSnapshot();
}

function oldestFirst(a: NegotiationStateRow, b: NegotiationStateRow): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.thread_id < b.thread_id ? -1 : a.thread_id > b.thread_id ? 1 : 0;
}

/**
 * Rebuilds negotiations from stored rows in any state, as `restoreActive` does for the
 * unfinished ones: for tools that read rows themselves (all rows, a chosen thread). Unlike
 * `restoreActive`, it stops at the first row that cannot be rebuilt, so it suits one row at
 * a time (`restoreNegotiationRows([row])`).
 *
 * @param rows - Rows of `negotiation_state`, as stored.
 * @returns One negotiation per row, in order.
 * @throws `ValidationError` naming the thread and column of the first row that cannot be
 *   read (`negotiation_state["thread-9"].campaign_json`), its first unreadable column in
 *   the order `state`, `history_json`, `context_json`, `campaign_json`, `cpm_tracker_json`;
 *   its `cause` is the underlying error.
 */
export function restoreNegotiationRows(
  rows: readonly NegotiationStateRow[],
): RestoredNegotiation[] {
  const campaigns: CampaignCache = new Map();
  return rows.map((row) => {
    const rebuilt = restoreRow(row, campaigns);
    if (!Array.isArray(rebuilt)) return rebuilt;
    const [first] = rebuilt as [RowFailure];
    throw new ValidationError(
      `${TABLE}[${JSON.stringify(first.threadId)}].${first.column}`,
      first.problem,
      { cause: first.cause },
    );
  });
}

/** Every row tried: the ones rebuilt, in order, and every unreadable column of the others. */
function rebuildRows(rows: readonly NegotiationStateRow[]): {
  restored: RestoredNegotiation[];
  failures: RowFailure[];
} {
  const campaigns: CampaignCache = new Map();
  const restored: RestoredNegotiation[] = [];
  const failures: RowFailure[] = [];
  for (const row of rows) {
    const rebuilt = restoreRow(row, campaigns);
    if (Array.isArray(rebuilt)) failures.push(...rebuilt);
    else restored.push(rebuilt);
  }
  return { restored, failures };
}

/**
 * Campaigns already parsed in one call, by their JSON, or what their parse threw: the rows
 * of one campaign share one parse, and a copy costs far less than a parse.
 */
type CampaignCache = Map<string, { readonly campaign: Campaign } | { readonly error: unknown }>;

function parseCampaignOnce(json: string): { campaign: Campaign } | { error: unknown } {
  try {
    return { campaign: deserializeCampaign(json) };
  } catch (error) {
    return { error };
  }
}

/**
 * @returns The negotiation, or every column of the row that could not be read (at least
 *   one), in column order.
 * @throws What is not a failure of the data (a bug), as it is.
 */
function restoreRow(
  row: NegotiationStateRow,
  campaigns: CampaignCache,
): RestoredNegotiation | RowFailure[] {
  const failures: RowFailure[] = [];
  const read = <T>(column: keyof NegotiationStateRow, parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!isNegotiationError(error) && !(error instanceof SyntaxError)) throw error;
      failures.push({
        threadId: row.thread_id,
        // fromSnapshot checks the state before the history: its error names which it was.
        column: error instanceof ValidationError && error.path === "state" ? "state" : column,
        problem: error.message,
        cause: error,
      });
      return undefined;
    }
  };
  const stateMachine = read("history_json", () =>
    NegotiationStateMachine.fromSnapshot(
      row.state as NegotiationSnapshot["state"],
      JSON.parse(row.history_json),
    ),
  );
  const context = read("context_json", () => deserializeContext(row.context_json));
  const campaign = read("campaign_json", () => {
    let parsed = campaigns.get(row.campaign_json);
    if (parsed === undefined) {
      parsed = parseCampaignOnce(row.campaign_json);
      campaigns.set(row.campaign_json, parsed);
    }
    if ("error" in parsed) throw parsed.error;
    // The parsed campaign stays in the cache; every negotiation gets a copy of its own.
    return copyCampaign(parsed.campaign);
  });
  const cpmTracker = read("cpm_tracker_json", () =>
    deserializeCpmTracker(JSON.parse(row.cpm_tracker_json)),
  );
  if (failures.length > 0) return failures;
  return {
    threadId: row.thread_id,
    stateMachine: stateMachine as NegotiationStateMachine,
    context: context as Record<string, unknown>,
    campaign: campaign as Campaign,
    cpmTracker: cpmTracker as CampaignCPMTracker,
    roundCount: row.round_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * UTC `YYYY-MM-DDTHH:MM:SSZ`, the timestamp form of the on-disk format.
 *
 * @param date - What the store's clock returned.
 * @throws `ValidationError` at path `clock` for anything but a valid `Date` in the years 0000
 *   to 9999 (`toISOString` would throw for an invalid one, and write `+010000-...` or
 *   `-000001-...` beyond them, which the format does not hold).
 */
function formatTimestamp(date: unknown): string {
  let time: number;
  try {
    time = Date.prototype.getTime.call(date);
  } catch {
    throw new ValidationError(
      "clock",
      `the store's clock returned ${describeValue(date)}, not a Date; nothing was written`,
    );
  }
  if (Number.isNaN(time)) {
    throw new ValidationError(
      "clock",
      "the store's clock returned an invalid Date; nothing was written",
    );
  }
  const utc = new Date(time);
  const year = utc.getUTCFullYear();
  if (year < 0 || year > 9999) {
    throw new ValidationError(
      "clock",
      `the store's clock returned ${utc.toISOString()}, in the year ${year}; a stored timestamp (YYYY-MM-DDTHH:MM:SSZ) holds the years 0000 to 9999; nothing was written`,
    );
  }
  return `${utc.toISOString().slice(0, 19)}Z`;
}
