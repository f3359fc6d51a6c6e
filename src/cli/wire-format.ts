import { parseExactJson } from "../store/exact-json.js";
import {
  NEGOTIATION_STATE_COLUMNS,
  type NegotiationStateRow,
} from "../store/negotiation-state-table.js";

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

/** The fields of a line: the table's columns, in its order; every one is required. */
export const WIRE_FIELDS = NEGOTIATION_STATE_COLUMNS;

/** A field of a line: a column of the table. */
export type WireField = (typeof WIRE_FIELDS)[number];

/** A column that the table holds as JSON text, and a line as a JSON value. */
export type JsonColumn = Extract<WireField, `${string}_json`>;

/** The JSON columns, in the table's column order. */
export const JSON_COLUMNS: readonly JsonColumn[] = WIRE_FIELDS.filter(isJsonColumn);

/** A stored row in the wire format, and the JSON columns that had to be kept as text. */
export interface WireRow {
  readonly wire: WireNegotiation;
  /**
   * The JSON columns whose text is not JSON, in column order: each is written as that
   * text (a JSON string), which `import` refuses, naming the column.
   */
  readonly textColumns: readonly JsonColumn[];
}

/**
 * A stored row in the wire format, whatever it holds: the fields of {@link WIRE_FIELDS} in
 * their order, each JSON column's text parsed exactly (`parseExactJson`: `"25.50"` stays a
 * string, an integer beyond 2^53 becomes a `bigint`), so writing the wire form back out with
 * `stringifyExactJson` loses nothing. A JSON column whose text is not JSON is kept as that
 * text and named in `textColumns`, so an export of a damaged row loses nothing either.
 *
 * @param row - The row as stored.
 * @returns The wire form, and which columns were kept as text.
 * @example
 * const { wire, textColumns } = rowToWire(row);
 * line = stringifyExactJson(wire); // {"thread_id":"t-1",...,"context_json":{"next_cpm":"25.50"},...}
 */
export function rowToWire(row: NegotiationStateRow): WireRow {
  const textColumns: JsonColumn[] = [];
  const value = (field: WireField): unknown => {
    const stored: unknown = row[field];
    if (!isJsonColumn(field) || typeof stored !== "string") return stored;
    try {
      return parseExactJson(stored);
    } catch {
      textColumns.push(field);
      return stored;
    }
  };
  const wire = Object.fromEntries(WIRE_FIELDS.map((field) => [field, value(field)]));
  return { wire: wire as unknown as WireNegotiation, textColumns };
}

/**
 * Whether a field is one of the JSON columns.
 *
 * @param field - A field of a line.
 * @returns `true` for `context_json`, `campaign_json`, `cpm_tracker_json`, `history_json`.
 */
export function isJsonColumn(field: WireField): field is JsonColumn {
  return field.endsWith("_json");
}
