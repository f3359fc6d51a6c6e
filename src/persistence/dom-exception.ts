import { errorMessage } from "../errors/negotiation-error.js";

/**
 * What a failure of a browser API (IndexedDB, the Web Locks) says: a `DOMException` as
 * `<name>: <message>`, since its name says why (`QuotaExceededError`, `SecurityError`)
 * where its message alone may not; anything else as its message.
 *
 * @param cause - What the browser API threw.
 * @returns The text to put after the colon of a message.
 * @example
 * describeDomException(new DOMException("quota reached", "QuotaExceededError"));
 * // "QuotaExceededError: quota reached"
 *
 * @internal
 */
export function describeDomException(cause: unknown): string {
  return cause instanceof DOMException ? `${cause.name}: ${cause.message}` : errorMessage(cause);
}
