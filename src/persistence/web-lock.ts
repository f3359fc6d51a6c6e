import { describeDomException } from "./dom-exception.js";
import { DatabaseLockedError, WebLocksUnavailableError } from "./errors.js";
import type { WriterLock } from "./journaled-target.js";
import { storageFailure } from "./storage-failure.js";

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
 * @param wait - How long to wait for the holder to let go, in ms (0 refuses at once), or
 *   until a signal aborts.
 * @returns The held lock; its `release` resolves once another holder can take it.
 * @throws {@link DatabaseLockedError} when another holder keeps it; `StorageError` when
 *   the lock manager fails.
 */
export function acquireWebLock(
  locks: LockRequester,
  lockName: string,
  location: string,
  wait: number | AbortSignal,
): Promise<WriterLock> {
  return new Promise((resolve, reject) => {
    let letGo: () => void = () => undefined;
    const held = new Promise<void>((resolveHeld) => {
      letGo = resolveHeld;
    });
    const options: LockOptions =
      typeof wait !== "number"
        ? { signal: wait }
        : wait > 0
          ? { signal: AbortSignal.timeout(wait) }
          : { ifAvailable: true };
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
      resolve({
        release: () => {
          letGo();
          return requested.then(() => undefined);
        },
      });
      // The lock is held for as long as this promise is pending.
      return held;
    });
    requested.catch((cause: unknown) => {
      const timedOut = cause instanceof DOMException && cause.name === "TimeoutError";
      const gaveUp = typeof wait !== "number" && wait.aborted;
      reject(
        timedOut || gaveUp
          ? new DatabaseLockedError(
              location,
              gaveUp
                ? "another tab, worker or page had it open until this one stopped waiting"
                : `another tab, worker or page still had it open after ${String(wait)} ms`,
            )
          : storageFailure("take the lock of", location, cause, describeDomException),
      );
    });
  });
}

/** What a global scope may hold that tells a browser from Node, Bun or Deno. */
interface ScopeSignals {
  readonly navigator?: { readonly locks?: LockManager };
  readonly isSecureContext?: boolean;
  readonly document?: unknown;
  readonly location?: { readonly origin?: string };
  readonly process?: { readonly versions?: { readonly node?: unknown } };
  readonly Deno?: unknown;
  readonly Bun?: unknown;
}

/**
 * The locks that keep a second writer of `location` out where this code runs: the Web
 * Locks of the origin (`navigator.locks`) wherever there are some; a lock within this realm
 * ({@link realmLockRequester}) in Node, Bun or Deno without them, where an IndexedDB
 * implementation such as fake-indexeddb lives in one realm. Any other runtime without Web
 * Locks is taken to be a browser, whose other tabs that lock would not see, and is refused:
 * most often a page or worker that is not a secure context (plain http on a name other
 * than localhost), where browsers give no Web Locks.
 *
 * Node, Bun and Deno are known by `process.versions.node` (Node and Bun, not the
 * `process` shims of browser bundles, which have no `versions.node`), a `Deno` or a `Bun`
 * global; no browser defines these, while a DOM emulation under Node (jsdom, happy-dom)
 * may define `window` or `isSecureContext` and is still one realm.
 *
 * @param location - The database the lock guards, for messages.
 * @param scope - The global scope to look at; `globalThis` by default.
 * @returns The lock requester to take the writer's lock from.
 * @throws {@link WebLocksUnavailableError} in a browser without Web Locks, saying why and
 *   what to do.
 */
export function writerLockRequester(
  location: string,
  scope: ScopeSignals = globalThis as ScopeSignals,
): LockRequester {
  const locks = scope.navigator?.locks;
  if (locks !== undefined) return locks;
  if (isServerRuntime(scope)) return realmLockRequester();
  throw new WebLocksUnavailableError(location, scope.isSecureContext, noWebLocksDetail(scope));
}

/**
 * Whether this realm is Node, Deno or Bun rather than a browser: there, an IndexedDB is a
 * shim of this realm alone (fake-indexeddb), which no other context shares.
 *
 * @param scope - The realm's globals.
 * @internal
 */
export function isServerRuntime(scope: ScopeSignals = globalThis as ScopeSignals): boolean {
  return (
    typeof scope.process?.versions?.node === "string" ||
    scope.Deno !== undefined ||
    scope.Bun !== undefined
  );
}

const WITHOUT_WEB_LOCKS =
  "and without them nothing keeps another tab of this origin from writing the database beside this one, losing saves either was told were durable";

function noWebLocksDetail(scope: ScopeSignals): string {
  const context = scope.document === undefined ? "worker" : "page";
  const origin = scope.location?.origin;
  const at = origin === undefined ? "" : ` (${origin})`;
  if (scope.isSecureContext === false) {
    return `this ${context}${at} is not a secure context, so the browser gives it no Web Locks (navigator.locks), ${WITHOUT_WEB_LOCKS}; serve it over https, or from localhost, 127.0.0.1 or [::1]`;
  }
  return `this browser gives this ${context}${at} no Web Locks (navigator.locks), ${WITHOUT_WEB_LOCKS}; use a browser that has them (Chrome 69, Firefox 96, Safari 15.4 or later)`;
}

let realmLocks: LockRequester | undefined;

/**
 * Exclusive locks held within this realm only, for where Web Locks are missing outside a
 * browser (Node, Bun or Deno with an IndexedDB implementation such as fake-indexeddb): they
 * keep a second writer of this realm out, as Web Locks would, but cannot see other realms,
 * so a browser never gets them ({@link writerLockRequester}).
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
