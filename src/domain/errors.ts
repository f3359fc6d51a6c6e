/**
 * Every error this package throws on purpose. Each class is one kind of failure with a
 * stable `code`; each message names the thing that was wrong (field path, key path, file).
 *
 * @example
 * try { await store.save(input) } catch (error) {
 *   if (isNegotiationError(error, "INVALID_CAMPAIGN")) console.error(error.path)
 * }
 */

/** The stable codes of {@link NegotiationError} and its subclasses. */
export type NegotiationErrorCode =
  | "INVALID_TRANSITION"
  | "INVALID_INPUT"
  | "INVALID_CAMPAIGN"
  | "CONTEXT_NOT_SERIALIZABLE"
  | "STORAGE_FAILED"
  | "STORAGE_CLOSED"
  | "DATABASE_LOCKED"
  | "DATABASE_CORRUPT"
  | "RESTORE_INCOMPLETE"
  | "SQLITE_JOURNAL_PENDING"
  | "FOREIGN_WRITE"
  | "ROW_TOO_LARGE"
  | "WEB_LOCKS_UNAVAILABLE";

/** Base class of every error thrown on purpose by this package. */
export class NegotiationError extends Error {
  /** The class's name, written out so that minifiers cannot change it. */
  override readonly name: string = "NegotiationError";

  /** A stable, machine-readable code for the kind of failure. */
  readonly code: NegotiationErrorCode;

  /**
   * Makes an error of this package. Subclasses set the code themselves; build a subclass
   * rather than this base where one fits.
   *
   * @param code - The kind of failure.
   * @param message - What was wrong and where.
   * @param options - `cause`: the underlying error, when there is one.
   */
  constructor(code: NegotiationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Thrown when an event is not valid in the machine's current state. */
export class InvalidTransitionError extends NegotiationError {
  override readonly name: string = "InvalidTransitionError";

  /** The state the machine was in. */
  readonly currentState: string;
  /** The event that was refused. */
  readonly event: string;

  /**
   * Makes the error (code `INVALID_TRANSITION`); the message names the event and the state.
   *
   * @param currentState - The state the machine was in.
   * @param event - The refused event.
   * @param reason - Why it was refused, when more than "not in the table".
   */
  constructor(currentState: string, event: string, reason?: string) {
    super(
      "INVALID_TRANSITION",
      `Invalid transition: event "${event}" is not allowed in state "${currentState}"${reason ? ` (${reason})` : ""}`,
    );
    this.currentState = currentState;
    this.event = event;
  }
}

/** Thrown for bad input: a money value, a tracker dict, a thread id, a stored row. */
export class ValidationError extends NegotiationError {
  override readonly name: string = "ValidationError";

  /** Where the bad value was, as a dotted path (`cpmTracker.agreements[0].cpm`). */
  readonly path: string;

  /**
   * Makes the error (code `INVALID_INPUT` unless a subclass gives its own); the message is
   * `<path>: <problem>`.
   *
   * @param path - Where the bad value was.
   * @param problem - What was wrong with it.
   * @param options - `cause`, and the `code` of a subclass.
   */
  constructor(
    path: string,
    problem: string,
    options?: { cause?: unknown; code?: NegotiationErrorCode },
  ) {
    super(options?.code ?? "INVALID_INPUT", `${path}: ${problem}`, options);
    this.path = path;
  }
}

/** One refused field of a campaign. */
export interface CampaignIssue {
  /** Dotted path of the field inside the campaign (`cpm_range.min_cpm`). */
  readonly path: string;
  /** What was wrong with it. */
  readonly message: string;
}

/** Thrown when a campaign does not satisfy the campaign schema; lists every refused field. */
export class CampaignValidationError extends ValidationError {
  override readonly name: string = "CampaignValidationError";

  /** Every refused field; `path` is the first one's. */
  readonly issues: readonly CampaignIssue[];

  /**
   * Makes the error (code `INVALID_CAMPAIGN`); the message lists every issue.
   *
   * @param issues - The refused fields, at least one.
   * @param options - `cause`: the underlying validation error.
   */
  constructor(issues: readonly CampaignIssue[], options?: { cause?: unknown }) {
    const [first] = issues;
    const detail = issues.map((issue) => `${issue.path || "(campaign)"}: ${issue.message}`);
    super(first?.path ?? "", "", { ...options, code: "INVALID_CAMPAIGN" });
    this.message = `Invalid campaign: ${detail.join("; ")}`;
    this.issues = issues;
  }
}

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

  /**
   * Makes the error (code `CONTEXT_NOT_SERIALIZABLE`); the message names the key path.
   *
   * @param keyPath - Where the value was.
   * @param problem - What it was and why it is refused.
   */
  constructor(keyPath: string, problem: string) {
    super("CONTEXT_NOT_SERIALIZABLE", `Cannot serialize ${keyPath}: ${problem}`);
    this.keyPath = keyPath;
  }
}

/**
 * Thrown when a change would need a journal record larger than one record may hold
 * (`MAX_JOURNAL_PAYLOAD_BYTES`, 536,870,888 bytes of UTF-8 for a change's statements and
 * values as JSON): nothing was written, and the store or adapter stays open.
 */
export class RowTooLargeError extends ValidationError {
  override readonly name: string = "RowTooLargeError";

  /** How many bytes the change's journal record would hold. */
  readonly bytes: number;
  /** How many one record may hold. */
  readonly limit: number;
  /** The database the change was refused for. */
  readonly location: string;

  /**
   * Makes the error (code `ROW_TOO_LARGE`); the message gives both sizes and the database.
   *
   * @param path - What is too large: a row's column, or a statement's parameter.
   * @param what - What would need the record (`"saving it"`, `"this statement"`).
   * @param bytes - How many bytes the record would hold.
   * @param limit - How many one record may hold.
   * @param location - The database.
   */
  constructor(path: string, what: string, bytes: number, limit: number, location: string) {
    super(
      path,
      `${what} would need a journal record of ${groupDigits(bytes)} bytes, more than the ${groupDigits(limit)} one record holds; nothing was written to ${location}`,
      { code: "ROW_TOO_LARGE" },
    );
    this.bytes = bytes;
    this.limit = limit;
    this.location = location;
  }
}

/** `536870888` as `536,870,888`. */
function groupDigits(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * Thrown when the storage could not do what was asked; nothing acknowledged is lost. Its
 * code is `STORAGE_FAILED`, or `STORAGE_CLOSED` for a call on a store or adapter that is
 * closed; its subclasses have codes of their own.
 */
export class StorageError extends NegotiationError {
  override readonly name: string = "StorageError";

  /** The database file, IndexedDB name or other location involved, when there is one. */
  readonly location: string | undefined;

  /**
   * Makes the error (code `STORAGE_FAILED` unless a subclass gives its own).
   *
   * @param message - What failed, naming the location.
   * @param options - `cause`, `location`, and the `code` of a subclass.
   */
  constructor(
    message: string,
    options?: { cause?: unknown; location?: string; code?: NegotiationErrorCode },
  ) {
    super(options?.code ?? "STORAGE_FAILED", message, options);
    this.location = options?.location;
  }
}

/** Thrown when another writer holds the database. */
export class DatabaseLockedError extends StorageError {
  override readonly name: string = "DatabaseLockedError";

  /**
   * Makes the error (code `DATABASE_LOCKED`).
   *
   * @param location - The locked database.
   * @param detail - Who holds it, or why it could not be told.
   * @param options - `cause`: the underlying error, when there is one.
   */
  constructor(location: string, detail: string, options?: { cause?: unknown }) {
    super(`Database ${location} is locked: ${detail}`, {
      ...options,
      location,
      code: "DATABASE_LOCKED",
    });
  }
}

/** Thrown when a stored database cannot be read as one; its bytes are left untouched. */
export class CorruptDatabaseError extends StorageError {
  override readonly name: string = "CorruptDatabaseError";

  /**
   * Makes the error (code `DATABASE_CORRUPT`).
   *
   * @param location - The unreadable database.
   * @param detail - What was wrong with it.
   * @param options - `cause`: the underlying error, when there is one.
   */
  constructor(location: string, detail: string, options?: { cause?: unknown }) {
    super(`Database ${location} is corrupt or not a SQLite database: ${detail}`, {
      ...options,
      location,
      code: "DATABASE_CORRUPT",
    });
  }
}

/**
 * Thrown when a writer opens a database file that another SQLite program (such as the
 * Python service) may still have open, or left mid-change: `<db>-wal` holds committed
 * frames not yet in the file, or a hot `<db>-journal` exists. Writing beside it would lose
 * that program's commits, or ours; nothing was changed.
 */
export class PendingSqliteJournalError extends StorageError {
  override readonly name: string = "PendingSqliteJournalError";

  /** The SQLite journal found: `<db>-wal` or `<db>-journal`. */
  readonly journalFile: string;

  /**
   * Makes the error (code `SQLITE_JOURNAL_PENDING`).
   *
   * @param location - The database file.
   * @param journalFile - The `-wal` or `-journal` file found beside it.
   * @param detail - What it holds, and what to do.
   */
  constructor(location: string, journalFile: string, detail: string) {
    super(`Cannot open ${location} for writing: ${journalFile} ${detail}`, {
      location,
      code: "SQLITE_JOURNAL_PENDING",
    });
    this.journalFile = journalFile;
  }
}

/**
 * Thrown when another program (such as the Python service) changed the database file while
 * this writer had it open: replacing the file would lose its commits, so the writer keeps
 * its own in its journal, changes nothing more and refuses every call after it, `close()`
 * included. Nothing either side committed is lost: stop the other program (or checkpoint
 * its WAL with `sqlite3`), then reopen; opening replays this writer's journal over the
 * file as the other program left it.
 */
export class ForeignWriteError extends StorageError {
  override readonly name: string = "ForeignWriteError";

  /** What showed the change: the file's identity, size or change counter, or a SQLite journal beside it. */
  readonly evidence: string;

  /**
   * Makes the error (code `FOREIGN_WRITE`).
   *
   * @param location - The database file.
   * @param evidence - What changed since this writer read or last wrote the file.
   */
  constructor(location: string, evidence: string) {
    super(
      `Another SQLite writer changed ${location} while it was open here (${evidence}); it was not overwritten, and the saves made here stay in its journal: stop the other writer, then reopen the store`,
      { location, code: "FOREIGN_WRITE" },
    );
    this.evidence = evidence;
  }
}

/**
 * Thrown when a browser gives the page or worker no Web Locks (`navigator.locks`), so that
 * nothing would keep a second tab from writing the same IndexedDB database beside this one
 * (and losing saves either was told were durable): the database is not opened. The usual
 * reason is a page that is not a secure context (plain http on a name other than
 * localhost); serve it over https, or from localhost.
 */
export class WebLocksUnavailableError extends StorageError {
  override readonly name: string = "WebLocksUnavailableError";

  /**
   * `false` when the page or worker is not a secure context (the usual reason), `true` when
   * it is one and the browser has no Web Locks at all, `undefined` when the browser does
   * not say.
   */
  readonly secureContext: boolean | undefined;

  /**
   * Makes the error (code `WEB_LOCKS_UNAVAILABLE`).
   *
   * @param location - The database that was not opened.
   * @param secureContext - The context's `isSecureContext`.
   * @param detail - Why there are no Web Locks here, and what to do.
   */
  constructor(location: string, secureContext: boolean | undefined, detail: string) {
    super(`Cannot open ${location} for writing: ${detail}`, {
      location,
      code: "WEB_LOCKS_UNAVAILABLE",
    });
    this.secureContext = secureContext;
  }
}

/**
 * Tells whether a value is an error of this package, optionally of one code.
 *
 * @param error - Any caught value.
 * @param code - When given, the code it must have.
 * @returns `true` when `error` is a {@link NegotiationError} (with that code).
 */
export function isNegotiationError(
  error: unknown,
  code?: NegotiationErrorCode,
): error is NegotiationError {
  return error instanceof NegotiationError && (code === undefined || error.code === code);
}

/**
 * The message of any thrown value.
 *
 * @internal
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The `code` of a thrown value, such as Node's `"ENOENT"`, when it has one.
 *
 * @internal
 */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * A received value as error messages name it: `nothing`, `null`, `true`, `"text"`,
 * `the number 1.5`, `the bigint 7n`, `a list`, `a value of type object`.
 *
 * @internal
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "bigint") return `the bigint ${value}n`;
  if (Array.isArray(value)) return "a list";
  return `a value of type ${typeof value}`;
}
