import { type Campaign, deserializeCampaign } from "../domain/campaign.js";
import {
  type CampaignCPMTracker,
  type CpmTrackerDict,
  copyCpmTracker,
} from "../domain/campaign-cpm-tracker.js";
import { campaignCopier } from "../domain/copy-campaign.js";
import { InvalidHistoryError } from "../domain/errors.js";
import { type HistoryProblem, historyProblems } from "../domain/history-problems.js";
import {
  type NegotiationSnapshot,
  NegotiationStateMachine,
  provenSnapshot,
} from "../domain/negotiation-state-machine.js";
import { describeValue, isNegotiationError } from "../errors/negotiation-error.js";
import { ValidationError } from "../errors/validation-error.js";
import { campaignJson } from "./campaign-json-memo.js";
import { deserializeContext, serializeContext } from "./context-serializer.js";
import { deserializeCpmTracker, serializeCpmTracker } from "./cpm-tracker-serializer.js";
import { RestoreError, type RowFailure } from "./errors.js";
import {
  NEGOTIATION_STATE_COLUMNS,
  type NegotiationStateRow,
  TABLE,
} from "./negotiation-state-table.js";
import { RowReadCache } from "./row-read-cache.js";
import { checkedThreadId } from "./thread-id.js";

/*
 * The row contract: what makes a row of `negotiation_state` (DESIGN §4) valid, and the
 * mapping between a row and a negotiation. Every read and write of the store goes through
 * it, so a row it accepts is one the store restores, and the reverse.
 */

/** What {@link NegotiationStateStore.save} stores for one negotiation (one email thread). */
export interface NegotiationInput {
  /**
   * The email thread; any non-empty, well-formed Unicode text, stored literally. Refused:
   * a lone surrogate (UTF-8 cannot hold it) and a leading U+FEFF (sql.js drops it on reading).
   */
  readonly threadId: string;
  /**
   * The negotiation's state machine; its state and history are stored. They must hold
   * together (see {@link historyProblems}), as they do in every machine moved by its own
   * events.
   */
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
 * A negotiation rebuilt from its row (by {@link NegotiationStateStore.restoreActive},
 * `load`, `restoreAll`, `update`): domain objects, ready to go on with and to save again.
 *
 * Everything in it is the caller's own, free to change: nothing is shared with another
 * negotiation of the same call (the rows of one campaign are parsed once, and each gets a
 * copy), nor with the store, so a change (a campaign field set, `recordAgreement` on the
 * tracker, `trigger` on the machine, a context key) reaches no other negotiation and
 * nothing stored until it is saved.
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
  /** The campaign's CPM tracker as it was saved with this negotiation; a tracker of its own. */
  readonly cpmTracker: CampaignCPMTracker;
  /** How many rounds of negotiation have happened. */
  readonly roundCount: number;
  /** When the negotiation was first saved, UTC `YYYY-MM-DDTHH:MM:SSZ`, as stored. */
  readonly createdAt: string;
  /** When it was last saved, in the same form. */
  readonly updatedAt: string;
}

/**
 * Checks a round count: a non-negative safe integer.
 *
 * @param roundCount - The candidate.
 * @param path - What to name it in an error: `roundCount` or `round_count`.
 * @returns It, typed.
 * @throws `ValidationError` at `path`.
 * @internal
 */
export function checkedRoundCount(roundCount: unknown, path: string): number {
  if (!Number.isSafeInteger(roundCount) || (roundCount as number) < 0) {
    throw new ValidationError(
      path,
      `must be a non-negative integer, got ${typeof roundCount === "number" ? roundCount : describeValue(roundCount)}`,
    );
  }
  return roundCount as number;
}

/**
 * The row that stores a negotiation, every column checked and serialized: nothing is
 * written when this throws. Timestamps are both `now`; the store's upsert keeps the first
 * `created_at` of a row that exists.
 *
 * @param negotiation - What `save` was given.
 * @param now - The time of the save, as `formatTimestamp` wrote it.
 * @returns The row.
 * @throws `ValidationError` (a thread id, a round count, a state machine), an
 *   `InvalidHistoryError` (its state and history do not hold together; paths as in its
 *   snapshot: `history[2]`, `state`), `CampaignValidationError`, `ContextSerializationError`.
 * @internal
 */
export function negotiationToRow(negotiation: NegotiationInput, now: string): NegotiationStateRow {
  const snapshot =
    provenSnapshot(negotiation.stateMachine) ?? checkedSnapshot(negotiation.stateMachine);
  return {
    thread_id: checkedThreadId(negotiation.threadId),
    state: snapshot.state,
    round_count: checkedRoundCount(negotiation.roundCount, "roundCount"),
    context_json: serializeContext(negotiation.context),
    campaign_json: campaignJson(negotiation.campaign),
    cpm_tracker_json: JSON.stringify(serializeCpmTracker(negotiation.cpmTracker)),
    history_json: JSON.stringify(snapshot.history),
    created_at: now,
    updated_at: now,
  };
}

/**
 * The snapshot of a machine not known to hold together (see `provenSnapshot`): anything
 * with a `toSnapshot`, rebuilt and checked.
 */
function checkedSnapshot(stateMachine: unknown): NegotiationSnapshot {
  const machine = stateMachine as Partial<NegotiationStateMachine> | null;
  if (typeof machine?.toSnapshot !== "function") {
    throw new ValidationError("stateMachine", "must be a NegotiationStateMachine");
  }
  const { state, history, prePauseState } = machine.toSnapshot();
  // Rebuilding checks every state and event name before they reach the table.
  const snapshot = NegotiationStateMachine.fromSnapshot(state, history, prePauseState).toSnapshot();
  const problems = historyProblems(snapshot.state, snapshot.history);
  if (problems.length > 0) throw new InvalidHistoryError(problems);
  return snapshot;
}

/**
 * Rebuilds a negotiation from its row, checking every column: `thread_id` (as a save checks
 * it), `state` and `history_json` (known names, and together a history the machine could
 * have recorded: see {@link historyProblems}), `round_count` (a non-negative integer),
 * `context_json`, `campaign_json`, `cpm_tracker_json` (as `save` writes them), `created_at`
 * and `updated_at` (UTC `YYYY-MM-DDTHH:MM:SSZ`, real dates).
 *
 * @param row - The row, as stored (its values are checked, whatever their type).
 * @param cache - What the rows of one call share (campaign and tracker parses, valid
 *   timestamps); a new one by default.
 * @returns The negotiation, or one failure per column that could not be read (at least
 *   one), in the table's column order. The cause of a `state` or `history_json` failure
 *   found by {@link historyProblems} is an `InvalidHistoryError` listing its problems (paths
 *   `state`, `history[2][1]`: in the row, `history_json[2][1]`).
 * @throws What is not a failure of the data (a bug), as it is.
 * @internal
 */
export function rowToNegotiation(
  row: NegotiationStateRow,
  cache: RowReadCache = new RowReadCache(),
): RestoredNegotiation | RowFailure[] {
  const failures: RowFailure[] = [];
  const threadId = typeof row.thread_id === "string" ? row.thread_id : String(row.thread_id);
  const fail = (column: string, cause: Error) =>
    failures.push({ threadId, column, problem: cause.message, cause });
  const read = <T>(column: keyof NegotiationStateRow, parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(isNegotiationError(error) || error instanceof SyntaxError)) throw error;
      fail(column, error);
      return undefined;
    }
  };

  read("thread_id", () => checkedThreadId(row.thread_id, "thread_id"));
  const roundCount = read("round_count", () => checkedRoundCount(row.round_count, "round_count"));
  const context = read("context_json", () =>
    deserializeContext(jsonText(row.context_json, "context_json")),
  );
  // What is parsed stays in the cache; every negotiation gets copies of its own.
  const campaign = read("campaign_json", () =>
    cache.copyOf(jsonText(row.campaign_json, "campaign_json"), "campaign_json", (json) =>
      campaignCopier(deserializeCampaign(json)),
    ),
  );
  const cpmTracker = read("cpm_tracker_json", () =>
    cache.copyOf(jsonText(row.cpm_tracker_json, "cpm_tracker_json"), "cpm_tracker_json", (json) => {
      const tracker = deserializeCpmTracker(JSON.parse(json));
      return () => copyCpmTracker(tracker);
    }),
  );
  const history = read("history_json", (): unknown =>
    JSON.parse(jsonText(row.history_json, "history_json")),
  );
  // An unreadable history still lets the state's name be checked.
  const problems = historyProblems(row.state, history === undefined ? [] : history);
  const ofState = (problem: HistoryProblem) => problem.path === "state";
  if (problems.some(ofState)) fail("state", new InvalidHistoryError(problems.filter(ofState)));
  if (problems.some((problem) => !ofState(problem))) {
    fail("history_json", new InvalidHistoryError(problems.filter((problem) => !ofState(problem))));
  }
  for (const column of ["created_at", "updated_at"] as const) {
    const problem = cache.timestampProblem(row[column]);
    if (problem !== null) fail(column, new ValidationError(column, problem));
  }

  if (failures.length > 0) {
    const order = (failure: RowFailure) =>
      NEGOTIATION_STATE_COLUMNS.indexOf(failure.column as keyof NegotiationStateRow);
    return failures.sort((a, b) => order(a) - order(b));
  }
  return {
    threadId,
    // Checked above: the state and history hold together, so this rebuilds without a throw.
    stateMachine: NegotiationStateMachine.fromSnapshot(
      row.state as NegotiationSnapshot["state"],
      history as string[][],
    ),
    context: context as Record<string, unknown>,
    campaign: campaign as Campaign,
    cpmTracker: cpmTracker as CampaignCPMTracker,
    roundCount: roundCount as number,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A JSON column's text; a value of another type (a BLOB, a number) is refused. */
function jsonText(value: unknown, column: string): string {
  if (typeof value !== "string") {
    throw new ValidationError(column, `expected JSON text, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Checks a row to be written as it is (`putRow`): the row contract, every column.
 *
 * @param row - The candidate row.
 * @param cache - What earlier checks read, for texts rows share; a new one by default.
 * @returns It, typed, when the store would restore it.
 * @throws `ValidationError` at `row` for a value that is not an object; `RestoreError`
 *   (code `RESTORE_INCOMPLETE`) whose `failures` name each column that would not read back
 *   (`restored` is empty, `path` is `negotiation_state["thread-1"].history_json`).
 * @internal
 */
export function checkedRow(row: unknown, cache?: RowReadCache): NegotiationStateRow {
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    throw new ValidationError("row", `expected a row of ${TABLE}, got ${describeValue(row)}`);
  }
  rebuiltNegotiation(row as NegotiationStateRow, cache);
  return row as NegotiationStateRow;
}

/** How many texts and timestamps a {@link rowChecker} keeps before it starts over. */
const ROW_CHECKER_HOLDS = 256;

/**
 * {@link checkedRow} for a writer that checks rows all its life (the rows other contexts
 * forward to it, `putRow`): the campaign and tracker texts that rows of one campaign share
 * are read and validated once, not with every row (a save's check then costs a quarter of
 * what it did). Bounded: past {@link ROW_CHECKER_HOLDS} texts and timestamps, it starts over.
 *
 * @returns The checker, with a cache of its own.
 * @internal
 */
export function rowChecker(): (row: unknown) => NegotiationStateRow {
  let cache = new RowReadCache();
  return (row) => {
    if (cache.size >= ROW_CHECKER_HOLDS) cache = new RowReadCache();
    return checkedRow(row, cache);
  };
}

/**
 * Every row tried, with one campaign cache for all: the negotiations rebuilt, in order, and
 * every unreadable column of the others.
 *
 * @param rows - Rows, as stored.
 * @returns Both lists.
 * @internal
 */
export function rebuildRows(rows: readonly NegotiationStateRow[]): {
  restored: RestoredNegotiation[];
  failures: RowFailure[];
} {
  const cache = new RowReadCache();
  const restored: RestoredNegotiation[] = [];
  const failures: RowFailure[] = [];
  for (const row of rows) {
    const rebuilt = rowToNegotiation(row, cache);
    if (Array.isArray(rebuilt)) failures.push(...rebuilt);
    else restored.push(rebuilt);
  }
  return { restored, failures };
}

/**
 * The negotiation a row holds.
 *
 * @param row - A row, as stored.
 * @param cache - What earlier reads read, for texts rows share; a new one by default.
 * @returns The negotiation.
 * @throws `RestoreError` naming the thread and column of what cannot be rebuilt.
 * @internal
 */
export function rebuiltNegotiation(
  row: NegotiationStateRow,
  cache?: RowReadCache,
): RestoredNegotiation {
  const negotiation = rowToNegotiation(row, cache);
  if (Array.isArray(negotiation)) throw new RestoreError(TABLE, [], negotiation);
  return negotiation;
}

/**
 * The negotiations rows hold, every one of them.
 *
 * @param rows - Rows, as stored.
 * @returns The negotiations, in order.
 * @throws `RestoreError` naming each thread and column that cannot be rebuilt, with the
 *   negotiations that could.
 * @internal
 */
export function rebuiltNegotiations(rows: readonly NegotiationStateRow[]): RestoredNegotiation[] {
  const { restored, failures } = rebuildRows(rows);
  if (failures.length > 0) throw new RestoreError(TABLE, restored, failures);
  return restored;
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
 *   the table's column order; its `cause` is the underlying error.
 */
export function restoreNegotiationRows(
  rows: readonly NegotiationStateRow[],
): RestoredNegotiation[] {
  const cache = new RowReadCache();
  return rows.map((row) => {
    const rebuilt = rowToNegotiation(row, cache);
    if (!Array.isArray(rebuilt)) return rebuilt;
    const [first] = rebuilt as [RowFailure];
    throw new ValidationError(
      `${TABLE}[${JSON.stringify(first.threadId)}].${first.column}`,
      first.problem,
      { cause: first.cause },
    );
  });
}

/** The columns that can be large, the one most often largest first. */
const TEXT_COLUMNS = [
  "context_json",
  "campaign_json",
  "cpm_tracker_json",
  "history_json",
  "thread_id",
] as const;

/**
 * The largest text column of a row: the one to name when the row is too large.
 *
 * @param row - The row.
 * @returns Its name.
 * @internal
 */
export function largestColumn(row: NegotiationStateRow): string {
  return TEXT_COLUMNS.reduce((largest, column) =>
    row[column].length > row[largest].length ? column : largest,
  );
}
