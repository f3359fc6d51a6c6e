import { describeValue } from "../errors/negotiation-error.js";
import { parseExactJson, stringifyExactJson } from "../store/exact-json.js";
import { rowToNegotiation } from "../store/negotiation-row.js";
import type { NegotiationStateRow } from "../store/negotiation-state-table.js";
import { RowReadCache } from "../store/row-read-cache.js";
import { isJsonColumn, WIRE_FIELDS } from "./wire-format.js";
import { failureRefusals, type WireRefusal } from "./wire-refusal.js";

/** What {@link wireToRow} made of a line: the row to write, or every refusal. */
export type WireCheck =
  | { readonly row: NegotiationStateRow; readonly refusals?: undefined }
  | { readonly row?: undefined; readonly refusals: readonly WireRefusal[] };

/**
 * Makes the row a line in the wire format stands for, and checks it with the store's row
 * contract (`rowToNegotiation`, what `putRow` and every restore check): a row this accepts
 * is one `putRow` writes and the store restores, and the reverse. Every problem is returned,
 * not only the first:
 *
 * - the line is an object of exactly the nine fields of {@link WIRE_FIELDS} (`missing`,
 *   `unknown field`);
 * - each failure of the row contract, at its field of the line (`round_count`,
 *   `history_json[2][1]`, `campaign_json.cpm_range.min_cpm`: see `failureRefusals`), in the
 *   table's column order.
 *
 * A JSON column may be given as a JSON value or as its JSON text (a string, as stored); the
 * row holds it as compact JSON text of the same value: decimals keep their digits (`"25.50"`
 * stays `"25.50"`, as the Python service wrote it), integers beyond 2^53 theirs, and a
 * campaign the fields it has, so an exported row imports unchanged. Text that is not JSON is
 * kept as it is, for the contract to refuse.
 *
 * @param line - A parsed line (`parseExactJson`).
 * @param cache - What the lines of one file share (campaign and tracker parses, valid
 *   timestamps).
 * @returns The row, or the refusals.
 * @example
 * const checked = wireToRow(parseExactJson(line), cache);
 * if (checked.row) rows.push(checked.row);
 * else for (const { field, problem } of checked.refusals) report(`${field}: ${problem}`);
 */
export function wireToRow(line: unknown, cache: RowReadCache = new RowReadCache()): WireCheck {
  if (typeof line !== "object" || line === null || Array.isArray(line)) {
    return {
      refusals: [{ field: "", problem: `expected a JSON object, got ${describeValue(line)}` }],
    };
  }
  const fields = line as Record<string, unknown>;
  const refusals: WireRefusal[] = [];
  for (const name of Object.keys(fields)) {
    if (!(WIRE_FIELDS as readonly string[]).includes(name)) {
      refusals.push({
        field: name,
        problem: `unknown field; a line has exactly ${WIRE_FIELDS.join(", ")}`,
      });
    }
  }
  const missing = WIRE_FIELDS.filter((name) => !Object.hasOwn(fields, name));
  for (const name of missing) refusals.push({ field: name, problem: "missing" });

  const row = Object.fromEntries(
    WIRE_FIELDS.map((name) => [name, isJsonColumn(name) ? jsonText(fields[name]) : fields[name]]),
  ) as unknown as NegotiationStateRow;
  const checked = rowToNegotiation(row, cache);
  if (Array.isArray(checked)) {
    for (const failure of checked) {
      // A missing field is refused as such, not again as the value it lacks.
      if (!(missing as string[]).includes(failure.column)) {
        refusals.push(...failureRefusals(failure));
      }
    }
  }
  return refusals.length > 0 ? { refusals } : { row };
}

/** A JSON column's value as compact JSON text; text that is not JSON as it is. */
function jsonText(given: unknown): unknown {
  if (given === undefined) return undefined;
  if (typeof given !== "string") return stringifyExactJson(given);
  try {
    return stringifyExactJson(parseExactJson(given));
  } catch {
    // The row contract refuses it, naming the column and what the parser said.
    return given;
  }
}
