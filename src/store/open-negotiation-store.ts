import { openSqlJsAdapter, type SqlJsAdapterOptions } from "../adapter/sql-js-adapter.js";
import {
  NegotiationStateStore,
  type NegotiationStateStoreOptions,
} from "./negotiation-state-store.js";
import { initNegotiationStateTable } from "./negotiation-state-table.js";

/** What {@link openNegotiationStore} needs: where the database lives, and store options. */
export interface OpenNegotiationStoreOptions
  extends SqlJsAdapterOptions,
    Omit<NegotiationStateStoreOptions, "ownsAdapter"> {}

/**
 * Opens a `SqlJsAdapter` on a persistence target, creates the table if needed and returns
 * a store that owns the adapter: `store.close()` flushes and releases it.
 *
 * @param options - `persistence` (required), `sqlJs` WASM overrides, `clock`.
 * @returns The open store.
 * @throws As `openSqlJsAdapter` does: locked, corrupt or unreadable databases are refused.
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
  const adapter = await openSqlJsAdapter(options);
  try {
    await initNegotiationStateTable(adapter);
  } catch (error) {
    await adapter.close();
    throw error;
  }
  return new NegotiationStateStore(adapter, {
    ...(options.clock && { clock: options.clock }),
    ownsAdapter: true,
  });
}
