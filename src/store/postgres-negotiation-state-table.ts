import type { PostgresAdapter } from "../adapter/postgres-adapter.js";
import { quoteIdentifier } from "../adapter/postgres-statement.js";
import { TABLE } from "./negotiation-state-table.js";

/** When the time is written by PostgreSQL itself: DESIGN §4's text, `YYYY-MM-DDTHH:MM:SSZ`. */
const NOW = `to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/**
 * The DDL of the table on PostgreSQL (DESIGN §7): the columns, JSON text and timestamp
 * text of the SQLite table (DESIGN §4), so an exported row is byte-identical whichever
 * engine held it, and the same index on `state`. `round_count` is a `BIGINT` (SQLite's
 * INTEGER holds 64 bits); thread ids compare byte by byte (`COLLATE "C"`), as in SQLite.
 * Both statements are `IF NOT EXISTS`.
 */
export const POSTGRES_NEGOTIATION_STATE_DDL = [
  `CREATE TABLE IF NOT EXISTS ${TABLE} (
    thread_id TEXT COLLATE "C" PRIMARY KEY,
    state TEXT NOT NULL,
    round_count BIGINT NOT NULL DEFAULT 0,
    context_json TEXT NOT NULL,
    campaign_json TEXT NOT NULL,
    cpm_tracker_json TEXT NOT NULL,
    history_json TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL DEFAULT ${NOW},
    updated_at TEXT NOT NULL DEFAULT ${NOW}
)`,
  `CREATE INDEX IF NOT EXISTS idx_neg_state_state ON ${TABLE} (state)`,
] as const;

/**
 * Creates the adapter's schema (when it names one), the `negotiation_state` table and its
 * index, when they are missing. Safe when many replicas start at the same moment: they
 * take turns under one advisory lock, so two never race on the catalog. When both exist,
 * nothing is written and no table lock is taken.
 *
 * @param adapter - The PostgreSQL adapter (its schema, when it has one).
 * @returns Once the table and index exist (committed).
 * @throws `StorageError` (code `STORAGE_FAILED`) when the server refuses (the role may not
 *   create a schema or table) or cannot be reached.
 * @example
 * const adapter = postgresAdapter({ connectionString: process.env.DATABASE_URL! });
 * await initPostgresNegotiationStateTable(adapter);
 */
export async function initPostgresNegotiationStateTable(adapter: PostgresAdapter): Promise<void> {
  const [found] = await adapter.all<{ ready: number }>(
    "SELECT (to_regclass(?) IS NOT NULL AND to_regclass(?) IS NOT NULL)::int AS ready",
    [TABLE, "idx_neg_state_state"],
  );
  if (found?.ready === 1) return;
  await adapter.transaction(async (tx) => {
    await tx.lock?.(`${TABLE} DDL`);
    if (adapter.schema !== undefined) {
      await tx.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(adapter.schema)}`);
    }
    for (const statement of POSTGRES_NEGOTIATION_STATE_DDL) await tx.run(statement);
  });
}
