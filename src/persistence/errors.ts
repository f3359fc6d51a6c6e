import { NegotiationError, type NegotiationErrorCode } from "../errors/negotiation-error.js";

/** The errors of storage: what a persistence target or the adapter on it could not do. */

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
   * What went wrong, without the location in front: the subclasses' `detail` argument
   * (who holds the lock, what is corrupt), else the whole message.
   */
  readonly detail: string;

  /**
   * Makes the error (code `STORAGE_FAILED` unless a subclass gives its own).
   *
   * @param message - What failed, naming the location.
   * @param options - `cause`, `location`, `detail` (the message without the location), and
   *   the `code` of a subclass.
   */
  constructor(
    message: string,
    options?: { cause?: unknown; location?: string; code?: NegotiationErrorCode; detail?: string },
  ) {
    super(options?.code ?? "STORAGE_FAILED", message, options);
    this.location = options?.location;
    this.detail = options?.detail ?? message;
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
      detail,
      code: "DATABASE_LOCKED",
    });
  }
}

/** Thrown when a stored database cannot be read as one; its bytes are left untouched. */
export class CorruptDatabaseError extends StorageError {
  override readonly name: string = "CorruptDatabaseError";

  /** Where in the journal (or file) the damage starts, in bytes, when that is known. */
  readonly offset: number | undefined;

  /**
   * Makes the error (code `DATABASE_CORRUPT`).
   *
   * @param location - The unreadable database.
   * @param detail - What was wrong with it.
   * @param options - `cause`: the underlying error, when there is one; `offset`: where the
   *   damage starts, in bytes.
   */
  constructor(location: string, detail: string, options?: { cause?: unknown; offset?: number }) {
    super(`Database ${location} is corrupt or not a SQLite database: ${detail}`, {
      ...options,
      location,
      detail,
      code: "DATABASE_CORRUPT",
    });
    this.offset = options?.offset;
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
      detail: `${journalFile} ${detail}`,
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
      { location, detail: evidence, code: "FOREIGN_WRITE" },
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
      detail,
      code: "WEB_LOCKS_UNAVAILABLE",
    });
    this.secureContext = secureContext;
  }
}
