import type { StorageAdapter } from "../adapter/storage-adapter.js";

/** The table's name, shared with the Python service. */
export const TABLE = "negotiation_state";

/** The DDL of the on-disk format (DESIGN §4), shared with the Python service. */
export const NEGOTIATION_STATE_DDL = [
  `CREATE TABLE IF NOT EXISTS ${TABLE} (
    thread_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    round_count INTEGER NOT NULL DEFAULT 0,
    context_json TEXT NOT NULL,
    campaign_json TEXT NOT NULL,
    cpm_tracker_json TEXT NOT NULL,
    history_json TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
)`,
  `CREATE INDEX IF NOT EXISTS idx_neg_state_state ON ${TABLE} (state)`,
] as const;

/** One row of `negotiation_state`, exactly as stored (snake_case, JSON columns as text). */
export interface NegotiationStateRow {
  readonly thread_id: string;
  readonly state: string;
  readonly round_count: number;
  readonly context_json: string;
  readonly campaign_json: string;
  readonly cpm_tracker_json: string;
  readonly history_json: string;
  readonly created_at: string;
  readonly updated_at: string;
}

/**
 * Creates the `negotiation_state` table and its index when they are missing. Idempotent:
 * when both exist, nothing is written.
 *
 * @param adapter - The database to create them in.
 */
export async function initNegotiationStateTable(adapter: StorageAdapter): Promise<void> {
  const existing = await adapter.all<{ n: number }>(
    "SELECT count(*) AS n FROM sqlite_master WHERE (type = 'table' AND name = ?) OR (type = 'index' AND name = ?)",
    [TABLE, "idx_neg_state_state"],
  );
  if (existing[0]?.n === 2) return;
  await adapter.transaction(async (tx) => {
    for (const statement of NEGOTIATION_STATE_DDL) await tx.run(statement);
  });
}
