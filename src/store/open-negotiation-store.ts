import {
  openSqlJsAdapter,
  type SqlJsAdapter,
  type SqlJsAdapterOptions,
} from "../adapter/sql-js-adapter.js";
import { StorageError } from "../persistence/errors.js";
import { NEGOTIATION_SQL } from "./negotiation-state-sql.js";
import type {
  NegotiationStateStore,
  NegotiationStateStoreOptions,
} from "./negotiation-state-store.js";
import { initNegotiationStateTable, TABLE } from "./negotiation-state-table.js";
import { openSharedStore } from "./shared-store.js";
import { storeOwningAdapter } from "./store-owning-adapter.js";

/** What {@link openNegotiationStore} needs: where the database lives, and store options. */
export interface OpenNegotiationStoreOptions
  extends SqlJsAdapterOptions,
    Omit<NegotiationStateStoreOptions, "ownsAdapter"> {}

/**
 * Opens a `SqlJsAdapter` on a persistence target, creates the table if needed and returns
 * a store that owns the adapter: `store.close()` flushes and releases it.
 *
 * Where several contexts open the same place at once (`indexedDbPersistence` in a browser:
 * tabs, dedicated workers, extension pages), the first to open it writes, and every other one
 * gets a store all the same, whose calls go to the writer and resolve as the writer's do; when
 * the writer's context goes away, the next one in line takes over from what is durable, and
 * a call in flight then is rejected with `WriterChangedError` (it may or may not have been
 * applied). `subscribe` hears every context's changes.
 *
 * On a read-only target (`filePersistence(path, { readOnly: true })`, whose `readOnly` is
 * `true`) nothing is created: the table must exist. Such a store reads (`load`,
 * `restoreActive`, ...) and refuses every change (`save`, `update`, `putRow`, `delete`,
 * `transaction`) with the adapter's `StorageError` saying the database is open read-only.
 *
 * @param options - `persistence` (required), `sqlJs` WASM overrides, `clock`.
 * @returns The open store.
 * @throws As `openSqlJsAdapter` does: locked, corrupt or unreadable databases are refused.
 *   On a read-only target, a `StorageError` (code `STORAGE_FAILED`, `location` set) naming
 *   the database when it has no `negotiation_state` table.
 * @example
 * import { openNegotiationStore } from "negotiation-state";
 * import { filePersistence } from "negotiation-state/file";
 *
 * const store = await openNegotiationStore({ persistence: filePersistence("./data/negotiations.db") });
 * for (const negotiation of await store.restoreActive()) console.log(negotiation.threadId);
 * await store.close();
 */
export async function openNegotiationStore(
  options: OpenNegotiationStoreOptions,
): Promise<NegotiationStateStore> {
  const shared = options.persistence.shared?.();
  if (shared !== undefined) {
    return openSharedStore(shared, (persistence) => openSqlJsAdapter({ ...options, persistence }), {
      ...(options.clock && { clock: options.clock }),
    });
  }
  return storeOwningAdapter(
    await openSqlJsAdapter(options),
    options.persistence.readOnly ? requireTable : initNegotiationStateTable,
    options.clock,
  );
}

/** A read-only database cannot be given the table: it must have it. */
async function requireTable(adapter: SqlJsAdapter): Promise<void> {
  const found = await adapter.all(NEGOTIATION_SQL.selectTable, [TABLE]);
  if (found.length > 0) return;
  const detail = `there is no ${TABLE} table in it, and a read-only store cannot create one`;
  throw new StorageError(`Cannot open ${adapter.location} as a negotiation store: ${detail}`, {
    location: adapter.location,
    detail,
  });
}
