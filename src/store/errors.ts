import { NegotiationError } from "../errors/negotiation-error.js";
import { ValidationError } from "../errors/validation-error.js";
import { StorageError } from "../persistence/errors.js";

/** The store's errors: rows that could not be rebuilt, contexts JSON cannot hold. */

/** One stored row that could not be rebuilt, as {@link RestoreError} reports it. */
export interface RowFailure {
  /** The row's thread id, as stored. */
  readonly threadId: string;
  /** The column that could not be read (`campaign_json`, `history_json`, `state`, ...). */
  readonly column: string;
  /** What was wrong with it, without the table, thread and column in front. */
  readonly problem: string;
  /** The underlying error: a `ValidationError` (or subclass) or a JSON `SyntaxError`. */
  readonly cause: unknown;
}

/** How many failures a {@link RestoreError} message lists before counting the rest. */
const LISTED_FAILURES = 10;

/**
 * Thrown when some stored rows could not be rebuilt while the others were: it carries
 * both, so one bad row never hides the rest. `failures` has one entry per unreadable column
 * (a row with two bad columns appears twice), in row order; every row read is either in
 * `restored` or named in `failures`. `path` is the first failure's
 * (`negotiation_state["thread-9"].campaign_json`); the message names every failing thread
 * and column (the first 10, then how many more).
 *
 * @typeParam T - What a rebuilt row is: `RestoredNegotiation` from `restoreActive()` (an
 *   `instanceof RestoreError` check types it as `any`, so `error.restored` goes straight
 *   into a `RestoredNegotiation[]`).
 * @example
 * let negotiations: RestoredNegotiation[];
 * try {
 *   negotiations = await store.restoreActive();
 * } catch (error) {
 *   if (!(error instanceof RestoreError)) throw error;
 *   for (const { threadId, column, problem } of error.failures) {
 *     console.error(`not restored: ${threadId} (${column}): ${problem}`);
 *   }
 *   negotiations = error.restored; // go on with every row that could be rebuilt
 * }
 */
export class RestoreError<T = unknown> extends ValidationError {
  override readonly name: string = "RestoreError";

  /** Every row that was rebuilt, in the order they would have been returned. */
  readonly restored: T[];
  /** Every column of every row that could not be rebuilt; never empty. */
  readonly failures: readonly RowFailure[];

  /**
   * Makes the error (code `RESTORE_INCOMPLETE`).
   *
   * @param table - The table the rows came from, to name them (`negotiation_state`).
   * @param restored - The rows that were rebuilt.
   * @param failures - What could not be read, at least one.
   */
  constructor(table: string, restored: T[], failures: readonly RowFailure[]) {
    const where = (failure: RowFailure) =>
      `${table}[${JSON.stringify(failure.threadId)}].${failure.column}`;
    const [first] = failures;
    super(first ? where(first) : table, "", { code: "RESTORE_INCOMPLETE" });
    const failedRows = new Set(failures.map((failure) => failure.threadId)).size;
    const listed = failures
      .slice(0, LISTED_FAILURES)
      .map((failure) => `${where(failure)}: ${failure.problem}`);
    if (failures.length > LISTED_FAILURES) {
      listed.push(`and ${failures.length - LISTED_FAILURES} more`);
    }
    const total = failedRows + restored.length;
    this.message =
      `${failedRows} of ${total} ${total === 1 ? "row" : "rows"} of ${table} cannot be ` +
      `rebuilt (${restored.length} ${restored.length === 1 ? "was" : "were"}): ${listed.join("; ")}`;
    this.restored = restored;
    this.failures = failures;
  }
}

/** Thrown when a context holds something JSON would silently change or drop. */
export class ContextSerializationError extends NegotiationError {
  override readonly name: string = "ContextSerializationError";

  /** Where the value was, as a key path from the context (`context.offers[2].amount`). */
  readonly keyPath: string;

  /** What the value was and why it is refused, without the key path. */
  readonly problem: string;

  /**
   * Makes the error (code `CONTEXT_NOT_SERIALIZABLE`); the message names the key path.
   *
   * @param keyPath - Where the value was.
   * @param problem - What it was and why it is refused.
   */
  constructor(keyPath: string, problem: string) {
    super("CONTEXT_NOT_SERIALIZABLE", `Cannot serialize ${keyPath}: ${problem}`);
    this.keyPath = keyPath;
    this.problem = problem;
  }
}

/**
 * Thrown on a context that forwards its calls to another context's writer (a second tab of
 * one IndexedDB database) when that writer went away while a call was in flight: the call
 * may or may not have been applied, and is not sent again. Read what is stored (`load`)
 * before doing it again. Calls made after it go to the new writer.
 */
export class WriterChangedError extends NegotiationError {
  override readonly name: string = "WriterChangedError";

  /** The database: `indexeddb:<name>`. */
  readonly location: string;

  /** The store call that was in flight: `save`, `transaction`, ... */
  readonly call: string;

  /**
   * Makes the error (code `WRITER_CHANGED`); the message names the call and the database.
   *
   * @param location - The database.
   * @param call - The store call that was in flight.
   */
  constructor(location: string, call: string) {
    super(
      "WRITER_CHANGED",
      `The ${call} on ${location} may or may not have been applied: the context that wrote the database went away while it was in flight, and another took over; read what is stored before doing it again`,
    );
    this.location = location;
    this.call = call;
  }
}

/**
 * The error of a call on a store that is closed: a `StorageError` of code `STORAGE_CLOSED`.
 *
 * @internal
 */
export function storeClosedError(): StorageError {
  return new StorageError("The negotiation store is closed", { code: "STORAGE_CLOSED" });
}
