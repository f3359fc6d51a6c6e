/**
 * `negotiation-state/postgres`: the same store on PostgreSQL, for a fleet of agent replicas
 * (DESIGN §7). Needs node-postgres (`npm install pg`), an optional peer dependency that
 * users of the other targets never install. Runs in Node, Bun and Deno.
 *
 * @packageDocumentation
 */
export {
  MAX_POSTGRES_KEY_BYTES,
  PostgresAdapter,
  type PostgresAdapterOptions,
  type PostgresClient,
  type PostgresConnection,
  type PostgresErrorListener,
  type PostgresPool,
  type PostgresQuery,
  type PostgresResult,
  postgresAdapter,
} from "./adapter/postgres-adapter.js";
export { type OpenPostgresStoreOptions, openPostgresStore } from "./store/open-postgres-store.js";
export {
  initPostgresNegotiationStateTable,
  POSTGRES_NEGOTIATION_STATE_DDL,
} from "./store/postgres-negotiation-state-table.js";
