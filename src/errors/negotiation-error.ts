/**
 * The base of every error this package throws on purpose, shared by every layer. Each
 * subclass is one kind of failure with a stable `code`, lives with the layer that raises it,
 * and carries what it reports in fields (path, problem, file, offset), so no caller ever
 * reads a message apart.
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
