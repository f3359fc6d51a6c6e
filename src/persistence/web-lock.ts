import { DatabaseLockedError, errorMessage, StorageError } from "../domain/errors.js";

/** Releases a held Web Lock, resolving once another holder can take it; idempotent. */
export type ReleaseLock = () => Promise<void>;

/** The part of a `LockManager` this package uses. */
export interface LockRequester {
  request(
    name: string,
    options: LockOptions,
    callback: (lock: Lock | null) => unknown,
  ): Promise<unknown>;
}

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
  locks: LockRequester,
  lockName: string,
  location: string,
  waitMs: number,
): Promise<ReleaseLock> {
  return new Promise((resolve, reject) => {
    let letGo: () => void = () => undefined;
    const held = new Promise<void>((resolveHeld) => {
      letGo = resolveHeld;
    });
    const options: LockOptions =
      waitMs > 0 ? { signal: AbortSignal.timeout(waitMs) } : { ifAvailable: true };
    // The request settles once the lock is released, not when the callback returns.
    const requested = locks.request(lockName, options, (lock) => {
      if (lock === null) {
        reject(
          new DatabaseLockedError(
            location,
            "another tab, worker or page of this origin has it open",
          ),
        );
        return;
      }
      resolve(() => {
        letGo();
        return requested.then(() => undefined);
      });
      // The lock is held for as long as this promise is pending.
      return held;
    });
    requested.catch((cause: unknown) => {
      const timedOut = cause instanceof DOMException && cause.name === "TimeoutError";
      reject(
        timedOut
          ? new DatabaseLockedError(
              location,
              `another tab, worker or page still had it open after ${waitMs} ms`,
            )
          : new StorageError(`Cannot take the lock of ${location}: ${describeCause(cause)}`, {
              cause,
              location,
            }),
      );
    });
  });
}

/** A DOMException's name says why (`SecurityError`, ...); its message alone may not. */
function describeCause(cause: unknown): string {
  return cause instanceof DOMException ? `${cause.name}: ${cause.message}` : errorMessage(cause);
}

let realmLocks: LockRequester | undefined;

/**
 * Exclusive locks held within this realm only, for where Web Locks are missing (Node or
 * Deno with an IndexedDB implementation such as fake-indexeddb): they keep a second writer
 * of this realm out, as Web Locks would, but cannot see other realms.
 *
 * @returns The realm's one lock requester.
 */
export function realmLockRequester(): LockRequester {
  realmLocks ??= createRealmLocks();
  return realmLocks;
}

function createRealmLocks(): LockRequester {
  const held = new Map<string, Promise<unknown>>();
  return {
    async request(name, options, callback) {
      if (options.ifAvailable && held.has(name)) return callback(null);
      for (let holder = held.get(name); holder !== undefined; holder = held.get(name)) {
        await new Promise<void>((resolve, reject) => {
          const abort = () => reject(options.signal?.reason);
          if (options.signal?.aborted) abort();
          options.signal?.addEventListener("abort", abort, { once: true });
          void holder.finally(() => {
            options.signal?.removeEventListener("abort", abort);
            resolve();
          });
        });
      }
      const running = Promise.resolve(callback({ name, mode: "exclusive" } as Lock));
      const released = running.then(
        () => void held.delete(name),
        () => void held.delete(name),
      );
      held.set(name, released);
      return released.then(() => running);
    },
  };
}
