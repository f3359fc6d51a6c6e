import {
  type PostgresAdapterOptions,
  type PostgresConnection,
  postgresAdapter,
} from "../adapter/postgres-adapter.js";
import type {
  NegotiationStateStore,
  NegotiationStateStoreOptions,
} from "./negotiation-state-store.js";
import { initPostgresNegotiationStateTable } from "./postgres-negotiation-state-table.js";
import { storeOwningAdapter } from "./store-owning-adapter.js";

/** Options of {@link openPostgresStore}: the adapter's (schema, retries) and the store's clock. */
export interface OpenPostgresStoreOptions
  extends PostgresAdapterOptions,
    Omit<NegotiationStateStoreOptions, "ownsAdapter"> {}

/**
 * Opens the store on PostgreSQL (DESIGN §7): makes a {@link PostgresAdapter}, creates the
 * schema, table and index when missing (safely when many replicas start at once) and
 * returns a store that owns the adapter. Every replica of an agent opens its own; they
 * write side by side, and `store.update(threadId, fn)` gives one replica a thread for the
 * whole read-change-write. `store.close()` ends a pool the adapter made from
 * `connectionString` and leaves a `pool` you passed open.
 *
 * @param connection - `{ connectionString }` or `{ pool }` (a node-postgres `Pool`).
 * @param options - `schema`, `maxRetries`, `clock`.
 * @returns The open store.
 * @throws `ValidationError` naming a bad connection or option; `StorageError` when the
 *   server cannot be reached or refuses to create the table.
 * @example
 * import { openPostgresStore } from "negotiation-state/postgres";
 *
 * const store = await openPostgresStore({ connectionString: process.env.DATABASE_URL! });
 * await store.update(threadId, (current) => {
 *   if (current === null) return null;
 *   current.stateMachine.trigger("receive_reply");
 *   return { ...current, roundCount: current.roundCount + 1 };
 * });
 * await store.close();
 */
export async function openPostgresStore(
  connection: PostgresConnection,
  options: OpenPostgresStoreOptions = {},
): Promise<NegotiationStateStore> {
  return storeOwningAdapter(
    postgresAdapter(connection, options),
    initPostgresNegotiationStateTable,
    options.clock,
  );
}
