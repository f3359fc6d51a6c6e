import { DatabaseLockedError, errorMessage, StorageError } from "../domain/errors.js";

/** Releases a held Web Lock; idempotent. */
export type ReleaseLock = () => void;

/**
 * Takes an exclusive Web Lock (`navigator.locks`), shared by every tab, worker and
 * extension page of one origin, and holds it until released or until the holder's page or
 * worker ends.
 *
 * @param locks - The realm's lock manager.
 * @param lockName - The lock to take.
 * @param location - The database it guards, for messages.
 * @param waitMs - How long to wait for the holder to let go; 0 refuses at once.
 * @returns The function that releases it.
 * @throws {@link DatabaseLockedError} when another holder keeps it; `StorageError` when
 *   the lock manager fails.
 */
export function acquireWebLock(
  locks: LockManager,
  lockName: string,
  location: string,
  waitMs: number,
): Promise<ReleaseLock> {
  return new Promise((resolve, reject) => {
    let release: ReleaseLock = () => undefined;
    const held = new Promise<void>((resolveHeld) => {
      release = () => resolveHeld();
    });
    const options: LockOptions =
      waitMs > 0 ? { signal: AbortSignal.timeout(waitMs) } : { ifAvailable: true };
    locks
      .request(lockName, options, (lock) => {
        if (lock === null) {
          reject(
            new DatabaseLockedError(
              location,
              "another tab, worker or page of this origin has it open",
            ),
          );
          return;
        }
        resolve(release);
        // The lock is held for as long as this promise is pending.
        return held;
      })
      .catch((cause: unknown) => {
        const timedOut = cause instanceof DOMException && cause.name === "TimeoutError";
        reject(
          timedOut
            ? new DatabaseLockedError(
                location,
                `another tab, worker or page still had it open after ${waitMs} ms`,
              )
            : new StorageError(`Cannot take the lock of ${location}: ${errorMessage(cause)}`, {
                cause,
                location,
              }),
        );
      });
  });
}
