import type { SqlJsAdapter } from "../adapter/sql-js-adapter.js";
import { openSqlJsAdapter } from "../adapter/sql-js-adapter.js";
import { StorageError } from "../persistence/errors.js";
import { filePersistence } from "../persistence/file-persistence.js";
import type { NegotiationStateRow } from "../store/negotiation-state-table.js";

/**
 * Opens a database file only to read it: no lock is taken, so a running agent may hold it,
 * and the reader sees every save the agent has acknowledged (the file and its journal).
 *
 * @param path - The database file.
 * @returns The adapter; close it when done.
 * @throws `StorageError` when there is no database, or no `negotiation_state` table in it;
 *   `CorruptDatabaseError` when it cannot be read.
 */
export async function openForReading(path: string): Promise<SqlJsAdapter> {
  const adapter = await openSqlJsAdapter({
    persistence: filePersistence(path, { readOnly: true }),
  });
  const [table] = await adapter.all(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'negotiation_state'",
  );
  if (table === undefined) {
    await adapter.close();
    throw new StorageError(`${adapter.location} has no negotiation_state table`, {
      location: adapter.location,
    });
  }
  return adapter;
}

/**
 * Every negotiation, oldest first (by `created_at`, then thread), as stored.
 *
 * @param adapter - An open database.
 * @returns The rows.
 */
export function readAllRows(adapter: SqlJsAdapter): Promise<NegotiationStateRow[]> {
  return adapter.all<NegotiationStateRow & Record<string, never>>(
    "SELECT * FROM negotiation_state ORDER BY created_at, thread_id",
  );
}

/**
 * The negotiation on one thread, as stored.
 *
 * @param adapter - An open database.
 * @param threadId - Its thread.
 * @returns The row, or `undefined` when there is none on that thread.
 */
export async function readRow(
  adapter: SqlJsAdapter,
  threadId: string,
): Promise<NegotiationStateRow | undefined> {
  const [row] = await adapter.all<NegotiationStateRow & Record<string, never>>(
    "SELECT * FROM negotiation_state WHERE thread_id = ?",
    [threadId],
  );
  return row;
}
