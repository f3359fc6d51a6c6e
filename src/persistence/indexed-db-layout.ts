/**
 * How the IndexedDB target lays a database out, shared by the writer and the worker that
 * rebuilds its snapshots: the IndexedDB database of the store's name holds two object
 * stores, `snapshot` (the SQLite image of the last checkpoint, under the key `"image"`) and
 * `journal` (one checksummed record per commit since, keyed by its sequence).
 */
import { CorruptDatabaseError, StorageError } from "./errors.js";
import { requestResult, transactionComplete } from "./indexed-db-requests.js";
import { decodeJournal } from "./journal-codec.js";
import type { StoredDatabase } from "./persistence.js";

const SNAPSHOT_STORE = "snapshot";
const SNAPSHOT_KEY = "image";
const JOURNAL_STORE = "journal";
const STRICT: IDBTransactionOptions = { durability: "strict" };
/**
 * The journal records read or removed per transaction while the writer appends: each such
 * transaction holds its appends back until it ends (tens of milliseconds for thousands).
 */
const RECORDS_PER_TRANSACTION = 256;

/**
 * Opens the IndexedDB database `name`, creating its two stores when they are missing.
 *
 * @param indexedDB - The realm's `indexedDB`.
 * @param name - The database's name.
 * @param options - `existing`: refuse a database that lacks the stores, creating nothing
 *   (the worker, which must find what its writer made).
 * @returns The connection; it closes itself when another context deletes or upgrades the
 *   database, so that the writer's next write fails rather than wait forever.
 * @throws What `indexedDB.open` throws or fails with; a `StorageError` naming `location`
 *   when `existing` is set and the stores are not there.
 */
export async function openStores(
  indexedDB: IDBFactory,
  name: string,
  { existing = false, location = `indexeddb:${name}` } = {},
): Promise<IDBDatabase> {
  const request = indexedDB.open(name, 1);
  request.onupgradeneeded = () => {
    const database = request.result;
    if (existing) {
      request.transaction?.abort();
      return;
    }
    if (!database.objectStoreNames.contains(SNAPSHOT_STORE)) {
      database.createObjectStore(SNAPSHOT_STORE);
    }
    if (!database.objectStoreNames.contains(JOURNAL_STORE)) {
      database.createObjectStore(JOURNAL_STORE);
    }
  };
  const database = await requestResult(request).catch((cause: unknown) => {
    if (existing) throw new StorageError(`${location} is gone`, { cause, location });
    throw cause;
  });
  database.onversionchange = () => database.close();
  return database;
}

/** What {@link readStored} found: the stored database, and how much journal it holds. */
export interface StoredImage extends StoredDatabase {
  /** The bytes of the journal's records. */
  readonly journalBytes: number;
  /** The sequence of the journal's first record; `undefined` when it is empty. */
  readonly firstSequence: number | undefined;
  /** The sequence of the journal's last record; 0 when it is empty. */
  readonly lastSequence: number;
}

/**
 * Reads everything stored, in one transaction.
 *
 * @throws `CorruptDatabaseError` naming `location` (and the record) when the snapshot is not
 *   bytes, or a record is not bytes or fails its checksum.
 */
export async function readStored(database: IDBDatabase, location: string): Promise<StoredImage> {
  const transaction = database.transaction([SNAPSHOT_STORE, JOURNAL_STORE], "readonly");
  const snapshotRequest = transaction.objectStore(SNAPSHOT_STORE).get(SNAPSHOT_KEY);
  const journalStore = transaction.objectStore(JOURNAL_STORE);
  const keysRequest = journalStore.getAllKeys();
  const recordsRequest = journalStore.getAll();
  await transactionComplete(transaction);
  const keys = keysRequest.result;
  const records = joinRecords(recordsRequest.result, keys, location);
  // IndexedDB commits a record whole or not at all, so unlike a file, a bad last record
  // is corruption too, not a torn write.
  const decoded = decodeJournal(records, `${location} (journal)`);
  if (decoded.validBytes < records.length) {
    throw new CorruptDatabaseError(
      location,
      `journal record ${String(keys[decoded.entries.length])} fails its checksum`,
    );
  }
  return {
    snapshot: snapshotBytes(snapshotRequest.result, location),
    journal: decoded.entries,
    journalBytes: records.length,
    firstSequence: keys.length > 0 ? Number(keys[0]) : undefined,
    lastSequence: keys.length > 0 ? Number(keys.at(-1)) : 0,
  };
}

/**
 * Reads what a snapshot holding the entries up to `sequence` is rebuilt from: the stored
 * snapshot, and the journal's records up to `sequence`, as they are stored. Only the
 * writer's checkpoints change the snapshot or remove records, and none runs meanwhile, so
 * the reads need not share a transaction: the journal is read a few records per
 * transaction, since the writer's appends wait for each.
 *
 * @param keyRanges - The realm's `IDBKeyRange`.
 * @throws `CorruptDatabaseError` naming `location` when the snapshot or a record is not bytes.
 */
export async function readThrough(
  database: IDBDatabase,
  keyRanges: typeof IDBKeyRange,
  sequence: number,
  location: string,
): Promise<{ snapshot: Uint8Array | null; journal: Uint8Array }> {
  const records: unknown[] = [];
  const keys: IDBValidKey[] = [];
  for (let range = keyRanges.upperBound(sequence); ; ) {
    const read = database.transaction(JOURNAL_STORE, "readonly");
    const keysRequest = read.objectStore(JOURNAL_STORE).getAllKeys(range, RECORDS_PER_TRANSACTION);
    const recordsRequest = read.objectStore(JOURNAL_STORE).getAll(range, RECORDS_PER_TRANSACTION);
    await transactionComplete(read);
    keys.push(...keysRequest.result);
    records.push(...recordsRequest.result);
    const last = keysRequest.result.at(-1);
    if (last === undefined || keysRequest.result.length < RECORDS_PER_TRANSACTION) break;
    range = keyRanges.bound(last, sequence, true);
  }
  const snapshotRead = database.transaction(SNAPSHOT_STORE, "readonly");
  const snapshotRequest = snapshotRead.objectStore(SNAPSHOT_STORE).get(SNAPSHOT_KEY);
  await transactionComplete(snapshotRead);
  return {
    snapshot: snapshotBytes(snapshotRequest.result, location),
    journal: joinRecords(records, keys, location),
  };
}

/**
 * Appends journal records, each under its sequence, in one strict transaction.
 *
 * @throws What IndexedDB throws or fails with; nothing is written then.
 */
export function putRecords(
  database: IDBDatabase,
  records: readonly { readonly sequence: number; readonly bytes: Uint8Array }[],
): Promise<void> {
  return write(database, JOURNAL_STORE, (journal) => {
    for (const { sequence, bytes } of records) journal.put(bytes, sequence);
  });
}

/**
 * Replaces the snapshot, in one strict transaction of the `snapshot` store alone: appends
 * to the journal go on while a large image is written.
 *
 * @throws What IndexedDB throws or fails with; the old snapshot stays then.
 */
export function putSnapshot(database: IDBDatabase, image: Uint8Array): Promise<void> {
  return write(database, SNAPSHOT_STORE, (snapshot) => {
    snapshot.put(image, SNAPSHOT_KEY);
  });
}

/**
 * Removes the journal's records from `first` to `last`, which a durable snapshot holds,
 * oldest first, a few records per strict transaction: the writer's appends wait for each.
 * Later records stay.
 *
 * @param keyRanges - The realm's `IDBKeyRange`.
 * @throws What IndexedDB throws or fails with; the records not yet removed stay then, and
 *   the next open skips them by sequence.
 */
export async function deleteRecords(
  database: IDBDatabase,
  keyRanges: typeof IDBKeyRange,
  first: number,
  last: number,
): Promise<void> {
  for (let from = first; from <= last; from += RECORDS_PER_TRANSACTION) {
    const to = Math.min(from + RECORDS_PER_TRANSACTION - 1, last);
    await write(database, JOURNAL_STORE, (journal) => {
      journal.delete(keyRanges.bound(from, to));
    });
  }
}

async function write(
  database: IDBDatabase,
  store: string,
  fill: (store: IDBObjectStore) => void,
): Promise<void> {
  const transaction = database.transaction(store, "readwrite", STRICT);
  try {
    fill(transaction.objectStore(store));
  } catch (error) {
    // A request that throws (an uncloneable value, a closing connection) would leave the
    // ones placed before it to commit on their own: a refused write must leave nothing.
    try {
      transaction.abort();
    } catch {}
    throw error;
  }
  await transactionComplete(transaction);
}

function snapshotBytes(snapshot: unknown, location: string): Uint8Array | null {
  if (snapshot !== undefined && !(snapshot instanceof Uint8Array)) {
    throw new CorruptDatabaseError(location, "its snapshot is not a byte array");
  }
  return snapshot ?? null;
}

function joinRecords(records: unknown[], keys: IDBValidKey[], location: string): Uint8Array {
  let length = 0;
  records.forEach((record, index) => {
    if (!(record instanceof Uint8Array)) {
      throw new CorruptDatabaseError(
        location,
        `journal record ${String(keys[index])} is not a byte array`,
      );
    }
    length += record.length;
  });
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const record of records as Uint8Array[]) {
    joined.set(record, offset);
    offset += record.length;
  }
  return joined;
}
