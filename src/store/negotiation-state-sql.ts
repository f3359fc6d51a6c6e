import { TERMINAL_STATES } from "../domain/transitions.js";
import { NEGOTIATION_STATE_COLUMNS, TABLE } from "./negotiation-state-table.js";

/**
 * The terminal states, bound to the parameters of {@link NEGOTIATION_SQL}'s `selectActive`.
 *
 * @internal
 */
export const TERMINAL = /* @__PURE__ */ Array.from(TERMINAL_STATES);

/**
 * Every statement the store runs, written once: no SQL text is built per call, and every
 * value is a bound parameter. Made by one pure call, so a bundle that uses no store (the
 * state machine alone, `toMoney` alone) drops them all.
 *
 * @internal
 */
export const NEGOTIATION_SQL = /* @__PURE__ */ (() => {
  const columns = NEGOTIATION_STATE_COLUMNS.join(", ");
  return Object.freeze({
    /**
     * `save`: inserts or replaces a row, keeping the first `created_at`. Parameters: the
     * columns in table order up to `history_json`, the thread id again, then the time (for
     * `created_at` of a new row, and `updated_at`).
     */
    upsert: `INSERT OR REPLACE INTO ${TABLE} (${columns})
  VALUES (?, ?, ?, ?, ?, ?, ?, COALESCE((SELECT created_at FROM ${TABLE} WHERE thread_id = ?), ?), ?)`,
    /** `putRow`: inserts or replaces a row as given. Parameters: the nine columns in order. */
    putRow: `INSERT OR REPLACE INTO ${TABLE} (${columns})
  VALUES (${NEGOTIATION_STATE_COLUMNS.map(() => "?").join(", ")})`,
    /** One row by its thread: a lookup in the primary key's index. Parameter: the thread. */
    selectOne: `SELECT ${columns} FROM ${TABLE} WHERE thread_id = ?`,
    /** Whether a row of the thread exists. Parameter: the thread. */
    selectExists: `SELECT 1 AS found FROM ${TABLE} WHERE thread_id = ?`,
    /** Every row, unordered: sorted in JavaScript, as SQLite's sorter would copy every ~3 KB row. */
    selectAll: `SELECT ${columns} FROM ${TABLE}`,
    /** The rows of unfinished negotiations, unordered. Parameters: {@link TERMINAL}. */
    selectActive: `SELECT ${columns} FROM ${TABLE}
  WHERE state NOT IN (${TERMINAL.map(() => "?").join(", ")})`,
    /** Deletes one row. Parameter: the thread. */
    deleteOne: `DELETE FROM ${TABLE} WHERE thread_id = ?`,
    /** Whether the table exists. Parameter: the table's name. */
    selectTable: "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
  });
})();
