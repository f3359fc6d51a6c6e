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
  | "WEB_LOCKS_UNAVAILABLE"
  | "TRANSACTION_CONFLICT"
  | "WRITER_CHANGED";

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
