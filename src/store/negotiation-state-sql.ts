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
  const placeholders = NEGOTIATION_STATE_COLUMNS.map(() => "?").join(", ");
  const updates = (names: readonly string[]) =>
    names
      .filter((name) => name !== "thread_id")
      .map((name) => `${name} = excluded.${name}`)
      .join(", ");
  return Object.freeze({
    /**
     * `save`: inserts a row, or updates every column of its thread's row but `created_at`,
     * which keeps the first save's time. Parameters: the nine columns in table order (the
     * time as `created_at` and `updated_at`). SQLite and PostgreSQL both run it.
     */
    upsert: `INSERT INTO ${TABLE} (${columns})
  VALUES (${placeholders})
  ON CONFLICT (thread_id) DO UPDATE SET ${updates(NEGOTIATION_STATE_COLUMNS.filter((c) => c !== "created_at"))}`,
    /** `putRow`: inserts or replaces a row as given. Parameters: the nine columns in order. */
    putRow: `INSERT INTO ${TABLE} (${columns})
  VALUES (${placeholders})
  ON CONFLICT (thread_id) DO UPDATE SET ${updates(NEGOTIATION_STATE_COLUMNS)}`,
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
