import type { Persistence } from "../../src/index.js";
import type { IndexedDbPersistenceOptions } from "../../src/indexeddb.js";
import { type OpenNegotiationStore, type Place, persistencePlace, type Target } from "./targets.js";

type IndexedDbPersistence = (name: string, options?: IndexedDbPersistenceOptions) => Persistence;

let placeCount = 0;

/**
 * The IndexedDB target (Chromium, where a second store forwards to the writer, or
 * fake-indexeddb elsewhere): each place is a new IndexedDB database. A crash copy
 * reads every object store of the database through a second connection, as the browser
 * would find it after the tab died, and writes it to a new database.
 */
export function indexedDbTarget(
  openNegotiationStore: OpenNegotiationStore,
  indexedDbPersistence: IndexedDbPersistence,
  name = "indexeddb",
  { forwardsToWriter = false } = {},
): Target {
  const place = (name: string): Place =>
    persistencePlace(
      openNegotiationStore,
      (options) => indexedDbPersistence(name, options),
      async () => {
        const copy = uniqueName();
        await copyDatabase(name, copy);
        return place(copy);
      },
    );
  return {
    name,
    durable: true,
    exclusiveWriter: true,
    forwardsToWriter,
    journal: true,
    fresh: async () => place(uniqueName()),
  };
}

function uniqueName(): string {
  placeCount += 1;
  return `conformance-${Date.now()}-${placeCount}`;
}

/** Copies every object store of IndexedDB database `from` into a new database `to`. */
export async function copyDatabase(from: string, to: string): Promise<void> {
  const source = await openDatabase(from);
  const storeNames = [...source.objectStoreNames];
  const read = source.transaction(storeNames, "readonly");
  const contents = storeNames.map((storeName) => {
    const store = read.objectStore(storeName);
    return { storeName, keys: store.getAllKeys(), values: store.getAll() };
  });
  await done(read);
  source.close();

  const target = await openDatabase(to, source.version, (database) => {
    for (const storeName of storeNames) database.createObjectStore(storeName);
  });
  const write = target.transaction(storeNames, "readwrite", { durability: "strict" });
  for (const { storeName, keys, values } of contents) {
    const store = write.objectStore(storeName);
    keys.result.forEach((key, index) => {
      store.put(values.result[index], key);
    });
  }
  await done(write);
  target.close();
}

function openDatabase(
  name: string,
  version?: number,
  upgrade?: (database: IDBDatabase) => void,
): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, version);
    request.onupgradeneeded = () => upgrade?.(request.result);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}
