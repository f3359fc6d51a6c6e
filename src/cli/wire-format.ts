import type { NegotiationStateRow } from "../store/negotiation-state-table.js";

/**
 * A negotiation as `export` writes it and `import` reads it, one per line: the row of
 * DESIGN §4 under its own column names, with the JSON columns' content as JSON values
 * rather than text (`"context_json": {"next_cpm": "24.50"}`), so a line can be read and
 * edited as it is.
 */
export interface WireNegotiation {
  readonly thread_id: string;
  readonly state: string;
  readonly round_count: number;
  readonly context_json: unknown;
  readonly campaign_json: unknown;
  readonly cpm_tracker_json: unknown;
  readonly history_json: unknown;
  readonly created_at: string;
  readonly updated_at: string;
}

/**
 * A stored row in the wire format.
 *
 * @param row - The row as stored.
 * @returns The same negotiation, JSON columns parsed.
 */
export function rowToWire(row: NegotiationStateRow): WireNegotiation {
  return {
    thread_id: row.thread_id,
    state: row.state,
    round_count: row.round_count,
    context_json: JSON.parse(row.context_json),
    campaign_json: JSON.parse(row.campaign_json),
    cpm_tracker_json: JSON.parse(row.cpm_tracker_json),
    history_json: JSON.parse(row.history_json),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
