import { filePersistence } from "../persistence/file-persistence.js";
import type { NegotiationStateStore } from "../store/negotiation-state-store.js";
import { openNegotiationStore } from "../store/open-negotiation-store.js";

/**
 * Runs `work` on a read-only store of a database file, then closes the store: no lock is
 * taken, so a running agent may hold the file, and the store sees every save the agent has
 * acknowledged (the file, its journal, and what another SQLite program committed to its
 * WAL). Nothing is created or changed.
 *
 * @param path - The database file.
 * @param work - What to read.
 * @returns What `work` returned.
 * @throws `StorageError` when there is no database, or no `negotiation_state` table in it
 *   (naming the file); `CorruptDatabaseError` when it cannot be read; what `work` threw.
 * @example
 * const rows = await withReadOnlyStore(path, (store) => store.loadAll());
 */
export async function withReadOnlyStore<T>(
  path: string,
  work: (store: NegotiationStateStore) => Promise<T>,
): Promise<T> {
  const store = await openNegotiationStore({
    persistence: filePersistence(path, { readOnly: true }),
  });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
