import { ValidationError } from "../errors/validation-error.js";

/** A UTF-16 surrogate without its pair: text that has no UTF-8 form. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks a thread id as the store stores it: a non-empty string that SQLite keeps and
 * reads back as it is.
 *
 * @param threadId - The candidate.
 * @param path - What to name it in an error: `threadId` (an argument) by default, or
 *   `thread_id` (a row's column).
 * @returns It, typed.
 * @throws {@link ValidationError} at `path`, saying what is wrong.
 */
export function checkedThreadId(threadId: unknown, path = "threadId"): string {
  if (typeof threadId !== "string" || threadId.length === 0) {
    throw new ValidationError(path, "must be a non-empty string");
  }
  // SQLite keeps text as UTF-8: such an id would be written as bytes that read back as
  // U+FFFD, a different id (and one the Python service cannot decode).
  const lone = LONE_SURROGATE.exec(threadId);
  if (lone !== null) {
    throw new ValidationError(
      path,
      `must be well-formed Unicode text; it holds a lone surrogate (\\u${lone[0].charCodeAt(0).toString(16)}) at index ${lone.index}, which SQLite cannot store`,
    );
  }
  // sql.js reads text with a TextDecoder that drops a leading byte order mark: such an id
  // would be stored as given but read back as another one.
  if (threadId.startsWith("\uFEFF")) {
    throw new ValidationError(
      path,
      "must not begin with U+FEFF (a byte order mark): it would be read back without it, as another id",
    );
  }
  return threadId;
}
