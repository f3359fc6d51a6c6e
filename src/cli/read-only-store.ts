import { filePersistence } from "../persistence/file-persistence.js";
import type { NegotiationStateStore } from "../store/negotiation-state-store.js";
import { openNegotiationStore } from "../store/open-negotiation-store.js";
import { isPostgresUrl, openPostgresDatabase } from "./postgres-url.js";

/**
 * Runs `work` on a store of a database that it only reads, then closes the store. No lock
 * is taken and nothing is created or changed, so a running agent may hold the database.
 *
 * A database file is opened read-only: the store sees every save the agent has
 * acknowledged (the file, its journal, and what another SQLite program committed to its
 * WAL). A `postgres://` URL is read through node-postgres, loaded only then; the store
 * there is a plain one that `work` must only read from (PostgreSQL has no read-only store).
 *
 * @param database - The database file, or a `postgres://` URL.
 * @param work - What to read; gets the store, and the database as messages name it (the
 *   path as given, or the URL without its password).
 * @returns What `work` returned.
 * @throws `StorageError` when there is no database, or no `negotiation_state` table in it
 *   (naming the file or URL), or the server cannot be reached; `CorruptDatabaseError` when
 *   a file cannot be read; an error saying to `npm install pg` for a URL without
 *   node-postgres; what `work` threw.
 * @example
 * const rows = await withReadOnlyStore(path, (store) => store.loadAll());
 */
export async function withReadOnlyStore<T>(
  database: string,
  work: (store: NegotiationStateStore, location: string) => Promise<T>,
): Promise<T> {
  if (isPostgresUrl(database)) {
    const postgres = await openPostgresDatabase(database);
    return postgres.read((store) => work(store, postgres.location));
  }
  const store = await openNegotiationStore({
    persistence: filePersistence(database, { readOnly: true }),
  });
  try {
    return await work(store, database);
  } finally {
    await store.close();
  }
}
