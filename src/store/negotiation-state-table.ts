import type { StorageAdapter } from "../adapter/storage-adapter.js";

/** The table's name, shared with the Python service. */
export const TABLE = "negotiation_state";

/**
 * The DDL of the on-disk format (DESIGN §4), shared with the Python service: the
 * `negotiation_state` table and its index on `state`, as two statements to run in order.
 * Both are `IF NOT EXISTS`, so running them again changes nothing.
 *
 * @example
 * // With better-sqlite3, or any SQLite:
 * for (const statement of NEGOTIATION_STATE_DDL) db.exec(statement);
 */
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

/**
 * The table's columns, in its order (DESIGN §4): the order a row's failures are reported in.
 *
 * @internal
 */
export const NEGOTIATION_STATE_COLUMNS = [
  "thread_id",
  "state",
  "round_count",
  "context_json",
  "campaign_json",
  "cpm_tracker_json",
  "history_json",
  "created_at",
  "updated_at",
] as const;

/** One row of `negotiation_state`, exactly as stored (snake_case, JSON columns as text). */
export interface NegotiationStateRow {
  /** The email thread; the primary key. */
  readonly thread_id: string;
  /** The negotiation's state, one of the {@link NegotiationState} names. */
  readonly state: string;
  /** How many rounds of negotiation have happened. */
  readonly round_count: number;
  /** The context, as {@link serializeContext} writes it (a JSON object). */
  readonly context_json: string;
  /** The campaign, as {@link serializeCampaign} writes it. */
  readonly campaign_json: string;
  /** The CPM tracker's dict ({@link CpmTrackerDict}) as JSON. */
  readonly cpm_tracker_json: string;
  /** The state machine's history as JSON: `[from, event, to]` triples, oldest first. */
  readonly history_json: string;
  /** When the negotiation was first saved, UTC `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly created_at: string;
  /** When it was last saved, in the same form. */
  readonly updated_at: string;
}

/**
 * Creates the `negotiation_state` table and its index when they are missing. Idempotent:
 * when both exist, nothing is written.
 *
 * @param adapter - The database to create them in.
 * @returns Once the table and index exist, durably.
 * @throws `StorageError` (code `STORAGE_FAILED`) when the database cannot be read or
 *   written; `STORAGE_CLOSED` when the adapter is closed.
 * @example
 * const adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
 * await initNegotiationStateTable(adapter);
 * const store = new NegotiationStateStore(adapter);
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
