import { ValidationError } from "../errors/validation-error.js";
import { StorageError } from "../persistence/errors.js";

/** The adapter's errors. */

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

/**
 * Thrown when a server database aborted a transaction to resolve a conflict with others (a
 * deadlock, a serialization failure) on every attempt the adapter makes: nothing of it was
 * committed. Calling again later is safe.
 */
export class TransactionConflictError extends StorageError {
  override readonly name: string = "TransactionConflictError";

  /** The server's SQLSTATE of the last abort: `40P01` (deadlock) or `40001` (serialization). */
  readonly sqlState: string;
  /** How many times the transaction ran. */
  readonly attempts: number;

  /**
   * Makes the error (code `TRANSACTION_CONFLICT`).
   *
   * @param location - The database.
   * @param sqlState - The SQLSTATE of the last abort.
   * @param attempts - How many times the transaction ran.
   * @param options - `cause`: the server's last error.
   */
  constructor(location: string, sqlState: string, attempts: number, options?: { cause?: unknown }) {
    const detail = `the transaction was aborted by ${sqlState === "40P01" ? "a deadlock" : "a serialization failure"} (SQLSTATE ${sqlState}) on each of ${attempts} attempts; nothing of it was committed`;
    super(`PostgreSQL ${location}: ${detail}`, {
      ...options,
      location,
      detail,
      code: "TRANSACTION_CONFLICT",
    });
    this.sqlState = sqlState;
    this.attempts = attempts;
  }
}

/** `536870888` as `536,870,888`. */
function groupDigits(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
