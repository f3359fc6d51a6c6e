import { copyWithRoomToGrow } from "./database-room.js";
import { describeDomException } from "./dom-exception.js";
import { StorageError } from "./errors.js";
import {
  deleteRecords,
  openStores,
  putRecords,
  putSnapshot,
  readStored,
} from "./indexed-db-layout.js";
import { encodeJournalEntries } from "./journal-codec.js";
import { JournaledTarget, type WriterLock } from "./journaled-target.js";
import type { Persistence, SharedPlace, StoredDatabase } from "./persistence.js";
import { connectRelay } from "./shared-place-relay.js";
import {
  acquireWebLock,
  isServerRuntime,
  type LockRequester,
  writerLockRequester,
} from "./web-lock.js";
import { type IndexedDbSnapshotWriter, workerSnapshotWriter } from "./worker-snapshot-writer.js";

/** Options of {@link indexedDbPersistence}. */
export interface IndexedDbPersistenceOptions {
  /**
   * How long to wait, in milliseconds, for another tab, worker or extension page to close
   * the database before refusing with `DatabaseLockedError`. 0 (the default) refuses at once.
   */
  readonly lockTimeout?: number;
  /** The journal size, in bytes, past which the adapter folds it into the snapshot. 16 MiB by default. */
  readonly checkpointBytes?: number;
  /**
   * `true` (the default): in a page or a dedicated worker, a checkpoint the journal's size
   * calls for is written by a dedicated worker, which rebuilds the snapshot from the stored
   * one and the journal while saves go on; the writer's thread then never stops to take an
   * image of the database and hand it to IndexedDB (a tenth of a second or more at 10,000
   * negotiations). The worker holds a second copy of the database while it runs, and is the
   * package's `dist/indexed-db-checkpoint-worker.js`, found beside the package's other
   * modules (Vite and webpack 5 bundle it by themselves; with esbuild, copy it beside the
   * bundle as `sql-wasm.wasm` is); it loads that `sql-wasm.wasm` from beside itself. Where it
   * cannot start or fails, later checkpoints take the image on the writer's thread.
   * `false`, and in an extension's service worker (which cannot start workers): the image
   * is taken on the writer's thread, as it is on close.
   */
  readonly checkpointInWorker?: boolean;
  /**
   * The checkpoint worker's script, when `checkpointInWorker` is on; beside this module by
   * default. Tests run from the sources pass the built one: a seam for them, not part of
   * the contract.
   *
   * @internal
   */
  readonly checkpointWorkerScript?: URL;
  /**
   * The shared place's relay script (see {@link SharedPlace.relay}); beside this module by
   * default. A seam for tests, as `checkpointWorkerScript` is.
   *
   * @internal
   */
  readonly relayScript?: URL;
  /**
   * Wait for the writer lock until this signal aborts, whatever `lockTimeout` says: what
   * {@link SharedPlace.forWriter} opens with.
   *
   * @internal
   */
  readonly lockSignal?: AbortSignal;
}

const DEFAULT_CHECKPOINT_BYTES = 16 * 1024 * 1024;

/**
 * Keeps the database in IndexedDB, in a page, a dedicated worker or an extension service
 * worker. The IndexedDB database `name` holds two object stores: `snapshot` (the SQLite
 * image of the last checkpoint, under the key `"image"`) and `journal` (one checksummed
 * record per commit since, keyed by its sequence), the same records as the file target's
 * journal. Every write is one readwrite transaction with `{ durability: "strict" }`,
 * acknowledged on `complete`. A checkpoint writes the new snapshot in one transaction (from
 * a worker where one can start: see `checkpointInWorker`), then removes the records it holds,
 * a few hundred per transaction, while saves go on appending later ones; a crash in between
 * leaves records that the next open skips by sequence. The Web Lock
 * `negotiation-state:<name>` keeps one writer per origin: a second tab, worker or page is
 * refused (or waits `lockTimeout`). A browser that gives no Web Locks (a page or worker that
 * is not a secure context: plain http on a name other than localhost) is refused with
 * `WebLocksUnavailableError`, since nothing would keep a second tab out; in Node, Bun or Deno
 * with an IndexedDB implementation such as fake-indexeddb (its `indexedDB` and `IDBKeyRange`
 * as globals), a lock within the realm keeps its second writer out. `indexedDB`,
 * `IDBKeyRange` and `navigator.locks` are looked up when the database opens, not before.
 *
 * @param name - The IndexedDB database name.
 * @param options - Lock waiting, the checkpoint threshold, and where checkpoints are written.
 * @returns A persistence for `openSqlJsAdapter` or `openNegotiationStore`. Nothing is opened
 *   or locked until the adapter opens it; opening then throws `DatabaseLockedError` (code
 *   `DATABASE_LOCKED`) when another context holds the database, `WebLocksUnavailableError`
 *   (code `WEB_LOCKS_UNAVAILABLE`) without Web Locks, `CorruptDatabaseError` (code
 *   `DATABASE_CORRUPT`) for stored data that cannot be read, and `StorageError` (code
 *   `STORAGE_FAILED`) when IndexedDB is missing or refuses.
 * @example
 * import { openNegotiationStore } from "negotiation-state";
 * import { indexedDbPersistence } from "negotiation-state/indexeddb";
 * const store = await openNegotiationStore({ persistence: indexedDbPersistence("negotiations") });
 */
export function indexedDbPersistence(
  name: string,
  options: IndexedDbPersistenceOptions = {},
): Persistence {
  const location = `indexeddb:${name}`;
  const target = new JournaledTarget<WriterLock>(
    location,
    options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES,
    describeDomException,
  );
  let database: IDBDatabase | undefined;
  let keyRanges: typeof IDBKeyRange;
  /** The sequences of the journal's first and last records; none while it is empty. */
  let firstSequence: number | undefined;
  let lastSequence = 0;
  /** Cleared when a worker fails: later checkpoints take the adapter's image. */
  let writeInWorker: IndexedDbSnapshotWriter | undefined;

  const opened = (): IDBDatabase => {
    if (database === undefined) throw new StorageError(`${location} is not open`, { location });
    return database;
  };

  /**
   * Once a snapshot holding the records up to `holds` is durable: removes them, and counts
   * as the journal's only the records appended since, `bytesHeld` being where they began.
   */
  const recordsFolded = async (holds: number, bytesHeld: number): Promise<void> => {
    try {
      if (firstSequence !== undefined) {
        await deleteRecords(opened(), keyRanges, firstSequence, holds);
      }
    } catch (cause) {
      throw target.failure("remove the folded journal records of", cause);
    }
    // Appends go on with the next sequence, whether or not one was made meanwhile.
    firstSequence = holds + 1;
    target.checkpointed(target.recordBytes - bytesHeld);
  };

  return {
    location,
    appendsDuringCheckpoint: true,

    async open(): Promise<StoredDatabase> {
      const { indexedDB, IDBKeyRange, locks } = browserStorage(location);
      keyRanges = IDBKeyRange;
      return target.open(
        () =>
          acquireWebLock(
            locks,
            `negotiation-state:${name}`,
            location,
            options.lockSignal ?? options.lockTimeout ?? 0,
          ),
        async () => {
          // Not wrapped here: what indexedDB.open throws, even at once (an opaque origin, a
          // bad name), the target reports as a failure to open.
          database = await openStores(indexedDB, name);
          const stored = await readStored(database, location).catch((cause: unknown) => {
            throw target.wrap("read", cause);
          });
          target.recordsFound(stored.journalBytes, stored.journalBytes > 0);
          firstSequence = stored.firstSequence;
          lastSequence = stored.lastSequence;
          writeInWorker =
            options.checkpointInWorker === false
              ? undefined
              : workerSnapshotWriter(options.checkpointWorkerScript);
          // The room spares the first new rows a copy of the whole database (sql.js grows
          // its file so): copied here, at open, not on a save.
          const snapshot = stored.snapshot && copyWithRoomToGrow(stored.snapshot);
          return { snapshot, journal: stored.journal };
        },
        () => {
          database?.close();
          database = undefined;
        },
      );
    },

    async append(entries) {
      const records = entries.map((entry) => ({
        sequence: entry.sequence,
        bytes: encodeJournalEntries([entry]),
      }));
      try {
        await putRecords(opened(), records);
      } catch (cause) {
        throw target.failure("append to the journal of", cause);
      }
      firstSequence ??= records[0]?.sequence;
      lastSequence = records.at(-1)?.sequence ?? lastSequence;
      target.recordsAppended(records.reduce((sum, record) => sum + record.bytes.length, 0));
    },

    wantsCheckpoint: () => target.wantsCheckpoint(),

    async checkpoint(snapshot) {
      // Records appended from here on are not in the snapshot: the journal keeps them.
      const holds = lastSequence;
      const bytesHeld = target.recordBytes;
      try {
        await putSnapshot(opened(), snapshot);
      } catch (cause) {
        throw target.failure("write the snapshot of", cause);
      }
      await recordsFolded(holds, bytesHeld);
    },

    checkpointFromStored(sequence) {
      const write = writeInWorker;
      if (write === undefined || database === undefined) return undefined;
      const bytesHeld = target.recordBytes;
      return (async () => {
        try {
          await write({ name, sequence, location });
        } catch (cause) {
          writeInWorker = undefined;
          throw target.wrap("rebuild the snapshot of", cause);
        }
        await recordsFolded(sequence, bytesHeld);
      })();
    },

    shared() {
      const { navigator, BroadcastChannel } = globalThis as {
        navigator?: { locks?: unknown };
        BroadcastChannel?: unknown;
      };
      // Contexts meet only where the browser's own IndexedDB, Web Locks and channels reach
      // them all: Deno has the last two, but its IndexedDB would be a shim of one realm.
      if (navigator?.locks === undefined || BroadcastChannel === undefined || isServerRuntime()) {
        return undefined;
      }
      return {
        name: location,
        forWriter: (waitUntil) =>
          indexedDbPersistence(name, {
            ...options,
            lockTimeout: 0,
            ...(waitUntil !== undefined && { lockSignal: waitUntil }),
          }),
        relay: () => connectRelay(location, options.relayScript),
      };
    },

    async close() {
      database?.close();
      database = undefined;
      await target.release();
    },
  };
}

/** The realm's IndexedDB (a browser's, or a shim's), and its Web Locks. */
interface BrowserStorage {
  readonly indexedDB: IDBFactory;
  readonly IDBKeyRange: typeof IDBKeyRange;
  readonly locks: LockRequester;
}

function browserStorage(location: string): BrowserStorage {
  const { indexedDB, IDBKeyRange } = globalThis as Partial<BrowserStorage>;
  if (indexedDB === undefined || IDBKeyRange === undefined) {
    const missing = indexedDB === undefined ? "IndexedDB is" : "IDBKeyRange is";
    throw new StorageError(`Cannot open ${location}: ${missing} not available here`, {
      location,
    });
  }
  return { indexedDB, IDBKeyRange, locks: writerLockRequester(location) };
}
