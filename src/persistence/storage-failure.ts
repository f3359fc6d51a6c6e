import { errorMessage } from "../errors/negotiation-error.js";
import { StorageError } from "./errors.js";

/**
 * The error of a storage step that failed: a `StorageError` (code `STORAGE_FAILED`)
 * reading `Cannot <what> <location>: <why>`, with `cause` and `location` set.
 *
 * @param what - The step, as a verb phrase that the location completes: `"read"`,
 *   `"append to the journal of"`.
 * @param location - The file, lock file or IndexedDB database involved.
 * @param cause - What the storage threw.
 * @param describe - Says why from `cause`: its message by default; a browser API's
 *   failures read better through `describeDomException`.
 * @returns The error to throw.
 * @example
 * storageFailure("read", "/data/negotiations.db", error);
 * // StorageError: Cannot read /data/negotiations.db: EACCES: permission denied, ...
 *
 * @internal
 */
export function storageFailure(
  what: string,
  location: string,
  cause: unknown,
  describe: (cause: unknown) => string = errorMessage,
): StorageError {
  return new StorageError(`Cannot ${what} ${location}: ${describe(cause)}`, {
    cause,
    location,
  });
}
