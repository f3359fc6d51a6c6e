import { describeDomException } from "./dom-exception.js";
import { CorruptDatabaseError, StorageError } from "./errors.js";
import { requestResult, transactionComplete } from "./indexed-db-requests.js";
import { decodeJournal, encodeJournalEntries } from "./journal-codec.js";
import { JournaledTarget, type WriterLock } from "./journaled-target.js";
import type { Persistence, StoredDatabase } from "./persistence.js";
import { acquireWebLock, type LockRequester, writerLockRequester } from "./web-lock.js";

/** Options of {@link indexedDbPersistence}. */
export interface IndexedDbPersistenceOptions {
  /**
   * How long to wait, in milliseconds, for another tab, worker or extension page to close
   * the database before refusing with `DatabaseLockedError`. 0 (the default) refuses at once.
   */
  readonly lockTimeout?: number;
  /** The journal size, in bytes, past which the adapter folds it into the snapshot. 16 MiB by default. */
  readonly checkpointBytes?: number;
}

const DEFAULT_CHECKPOINT_BYTES = 16 * 1024 * 1024;
const SNAPSHOT_STORE = "snapshot";
const SNAPSHOT_KEY = "image";
const JOURNAL_STORE = "journal";
const STRICT: IDBTransactionOptions = { durability: "strict" };

/**
 * Keeps the database in IndexedDB, in a page, a dedicated worker or an extension service
 * worker. The IndexedDB database `name` holds two object stores: `snapshot` (the SQLite
 * image of the last checkpoint, under the key `"image"`) and `journal` (one checksummed
 * record per commit since, keyed by its sequence), the same records as the file target's
 * journal. Every write is one readwrite transaction with `{ durability: "strict" }`,
 * acknowledged on `complete`; a checkpoint writes the new snapshot and empties the journal
 * in one transaction. The Web Lock `negotiation-state:<name>` keeps one writer per origin:
 * a second tab, worker or page is refused (or waits `lockTimeout`). A browser that gives no
 * Web Locks (a page or worker that is not a secure context: plain http on a name other than
 * localhost) is refused with `WebLocksUnavailableError`, since nothing would keep a second
 * tab out; in Node, Bun or Deno with an IndexedDB implementation such as fake-indexeddb, a
 * lock within the realm keeps its second writer out. `indexedDB` and `navigator.locks` are
 * looked up when the database opens, not before.
 *
 * @param name - The IndexedDB database name.
 * @param options - Lock waiting and the checkpoint threshold.
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

  const write = async (stores: string[], fill: (transaction: IDBTransaction) => void) => {
    if (database === undefined) throw new StorageError(`${location} is not open`, { location });
    const transaction = database.transaction(stores, "readwrite", STRICT);
    try {
      fill(transaction);
    } catch (error) {
      // A request that throws (an uncloneable value, a closing connection) would leave the
      // ones placed before it to commit on their own: a refused write must leave nothing.
      try {
        transaction.abort();
      } catch {}
      throw error;
    }
    await transactionComplete(transaction);
  };

  return {
    location,

    async open(): Promise<StoredDatabase> {
      const { indexedDB, locks } = browserStorage(location);
      return target.open(
        () =>
          acquireWebLock(locks, `negotiation-state:${name}`, location, options.lockTimeout ?? 0),
        async () => {
          // Not wrapped here: what indexedDB.open throws, even at once (an opaque origin, a
          // bad name), the target reports as a failure to open.
          const opened = await openDatabase(indexedDB, name);
          database = opened;
          const stored = await readStored(opened, location).catch((cause: unknown) => {
            throw target.wrap("read", cause);
          });
          target.recordsFound(stored.journalBytes, stored.journalBytes > 0);
          return { snapshot: stored.snapshot, journal: stored.journal };
        },
        () => {
          database?.close();
          database = undefined;
        },
      );
    },

    async append(entries) {
      const records = entries.map((entry) => encodeJournalEntries([entry]));
      try {
        await write([JOURNAL_STORE], (transaction) => {
          const journal = transaction.objectStore(JOURNAL_STORE);
          records.forEach((record, index) => {
            journal.put(record, (entries[index] as (typeof entries)[number]).sequence);
          });
        });
      } catch (cause) {
        throw target.failure("append to the journal of", cause);
      }
      target.recordsAppended(records.reduce((sum, record) => sum + record.length, 0));
    },

    wantsCheckpoint: () => target.wantsCheckpoint(),

    async checkpoint(snapshot) {
      try {
        await write([SNAPSHOT_STORE, JOURNAL_STORE], (transaction) => {
          transaction.objectStore(SNAPSHOT_STORE).put(snapshot, SNAPSHOT_KEY);
          transaction.objectStore(JOURNAL_STORE).clear();
        });
      } catch (cause) {
        throw target.failure("write the snapshot of", cause);
      }
      target.checkpointed();
    },

    async close() {
      database?.close();
      database = undefined;
      await target.release();
    },
  };
}

function browserStorage(location: string): { indexedDB: IDBFactory; locks: LockRequester } {
  const { indexedDB } = globalThis as { indexedDB?: IDBFactory };
  if (indexedDB === undefined) {
    throw new StorageError(`Cannot open ${location}: IndexedDB is not available here`, {
      location,
    });
  }
  return { indexedDB, locks: writerLockRequester(location) };
}

function openDatabase(indexedDB: IDBFactory, name: string): Promise<IDBDatabase> {
  const request = indexedDB.open(name, 1);
  request.onupgradeneeded = () => {
    const database = request.result;
    if (!database.objectStoreNames.contains(SNAPSHOT_STORE)) {
      database.createObjectStore(SNAPSHOT_STORE);
    }
    if (!database.objectStoreNames.contains(JOURNAL_STORE)) {
      database.createObjectStore(JOURNAL_STORE);
    }
  };
  return requestResult(request).then((database) => {
    // Another tab deleting or upgrading the database must not wait on us forever; our
    // next write then fails, and the adapter closes rather than run ahead of the disk.
    database.onversionchange = () => database.close();
    return database;
  });
}

interface StoredImage extends StoredDatabase {
  readonly journalBytes: number;
}

async function readStored(database: IDBDatabase, location: string): Promise<StoredImage> {
  const transaction = database.transaction([SNAPSHOT_STORE, JOURNAL_STORE], "readonly");
  const snapshotRequest = transaction.objectStore(SNAPSHOT_STORE).get(SNAPSHOT_KEY);
  const journalStore = transaction.objectStore(JOURNAL_STORE);
  const keysRequest = journalStore.getAllKeys();
  const recordsRequest = journalStore.getAll();
  await transactionComplete(transaction);

  const snapshot: unknown = snapshotRequest.result;
  if (snapshot !== undefined && !(snapshot instanceof Uint8Array)) {
    throw new CorruptDatabaseError(location, "its snapshot is not a byte array");
  }
  const records = recordsRequest.result as unknown[];
  const journalBytes = records.reduce<number>(
    (sum, record) => sum + (record instanceof Uint8Array ? record.length : 0),
    0,
  );
  const joined = new Uint8Array(journalBytes);
  let offset = 0;
  records.forEach((record, index) => {
    if (!(record instanceof Uint8Array)) {
      throw new CorruptDatabaseError(
        location,
        `journal record ${String(keysRequest.result[index])} is not a byte array`,
      );
    }
    joined.set(record, offset);
    offset += record.length;
  });
  // IndexedDB commits a record whole or not at all, so unlike a file, a bad last record
  // is corruption too, not a torn write.
  const decoded = decodeJournal(joined, `${location} (journal)`);
  if (decoded.validBytes < joined.length) {
    throw new CorruptDatabaseError(
      location,
      `journal record ${String(keysRequest.result[decoded.entries.length])} fails its checksum`,
    );
  }
  return { snapshot: snapshot ?? null, journal: decoded.entries, journalBytes };
}
