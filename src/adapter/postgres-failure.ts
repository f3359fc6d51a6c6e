import pg from "pg";
import { errorCode, errorMessage } from "../errors/negotiation-error.js";
import { StorageError } from "../persistence/errors.js";

/** SQLSTATEs after which PostgreSQL asks the client to run the transaction again. */
const RETRYABLE = new Set(["40001", "40P01"]);

/**
 * The SQLSTATE of a transaction the server aborted so that it may be run again (a deadlock
 * or a serialization failure), read from an error or the error it wraps.
 *
 * @param error - What a statement or commit threw.
 * @returns `40P01` or `40001`, else `undefined`.
 * @internal
 */
export function retryableSqlState(error: unknown): string | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = errorCode(cause);
    if (code !== undefined && RETRYABLE.has(code)) return code;
  }
  return undefined;
}

/**
 * Wraps what node-postgres threw as the package's `StorageError`, naming the database and
 * the statement; the original stays its `cause` (with its SQLSTATE as `code`).
 *
 * @param location - The database, without its password.
 * @param doing - What was being done: a statement's first line, `"connecting"`, `"COMMIT"`.
 * @param error - What node-postgres threw.
 * @returns The error to throw.
 * @internal
 */
export function postgresFailure(location: string, doing: string, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const sqlState = errorCode(error);
  const detail = `${doing} failed: ${errorMessage(error)}${sqlState === undefined ? "" : ` (${sqlState})`}`;
  return new StorageError(`PostgreSQL ${location}: ${detail}`, { cause: error, location, detail });
}

/**
 * Whether `error` broke the connection, rather than being a statement the server refused:
 * anything but a server error, and the server's connection exceptions (`08`) and shutdowns
 * (`57P`, a restart among them).
 *
 * @param error - What a statement threw, or the `StorageError` wrapping it.
 * @returns `true` when the connection must not be used again.
 * @internal
 */
export function isConnectionFailure(error: unknown): boolean {
  const cause = error instanceof StorageError ? error.cause : error;
  if (!(cause instanceof pg.DatabaseError)) return true;
  return cause.code === undefined || cause.code.startsWith("08") || cause.code.startsWith("57P");
}
