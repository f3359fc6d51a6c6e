// The statements of DESIGN §4, exactly as the store runs them, for the better-sqlite3
// baseline: the INSERT OR REPLACE upsert that keeps the first created_at, and the select
// of active rows.
import { TERMINAL_STATES } from "negotiation-state";

const COLUMNS =
  "thread_id, state, round_count, context_json, campaign_json, cpm_tracker_json, history_json, created_at, updated_at";

export const UPSERT = `INSERT OR REPLACE INTO negotiation_state (${COLUMNS})
  VALUES (?, ?, ?, ?, ?, ?, ?, COALESCE((SELECT created_at FROM negotiation_state WHERE thread_id = ?), ?), ?)`;

export const TERMINAL = [...TERMINAL_STATES];

export const SELECT_ACTIVE = `SELECT ${COLUMNS} FROM negotiation_state
  WHERE state NOT IN (${TERMINAL.map(() => "?").join(", ")}) ORDER BY created_at, thread_id`;

/** UTC `YYYY-MM-DDTHH:MM:SSZ`, as the store writes timestamps. */
export function timestamp(date = new Date()) {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The bound parameters of {@link UPSERT} for a row of `serializedRow`. */
export function upsertParams(row, now = timestamp()) {
  return [
    row.thread_id,
    row.state,
    row.round_count,
    row.context_json,
    row.campaign_json,
    row.cpm_tracker_json,
    row.history_json,
    row.thread_id,
    now,
    now,
  ];
}
