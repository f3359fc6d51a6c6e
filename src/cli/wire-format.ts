import { serializeCampaign } from "../domain/campaign.js";
import { CampaignValidationError } from "../domain/errors.js";
import { NegotiationStateMachine } from "../domain/negotiation-state-machine.js";
import { TRANSITIONS } from "../domain/transitions.js";
import {
  isNegotiationState,
  NegotiationEvent,
  type NegotiationState,
} from "../domain/vocabulary.js";
import { describeValue, errorMessage } from "../errors/negotiation-error.js";
import { ValidationError } from "../errors/validation-error.js";
import { serializeContext } from "../store/context-serializer.js";
import { serializeCpmTracker } from "../store/cpm-tracker-serializer.js";
import { ContextSerializationError } from "../store/errors.js";
import { parseExactJson, stringifyExactJson } from "../store/exact-json.js";
import { restoreNegotiationRows } from "../store/negotiation-state-store.js";
import type { NegotiationStateRow } from "../store/negotiation-state-table.js";
import { checkedThreadId } from "../store/thread-id.js";

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

/** The fields of a line, in the table's column order; every one is required. */
export const WIRE_FIELDS = [
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

type JsonColumn = "context_json" | "campaign_json" | "cpm_tracker_json" | "history_json";

const JSON_COLUMNS: readonly JsonColumn[] = [
  "context_json",
  "campaign_json",
  "cpm_tracker_json",
  "history_json",
];

/**
 * A stored row in the wire format.
 *
 * @param row - The row as stored.
 * @returns The same negotiation, JSON columns parsed.
 * @throws `SyntaxError` when a JSON column does not hold JSON (see {@link exportRow}).
 */
export function rowToWire(row: NegotiationStateRow): WireNegotiation {
  return {
    thread_id: row.thread_id,
    state: row.state,
    round_count: row.round_count,
    context_json: parseExactJson(row.context_json),
    campaign_json: parseExactJson(row.campaign_json),
    cpm_tracker_json: parseExactJson(row.cpm_tracker_json),
    history_json: parseExactJson(row.history_json),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** A row as `export` writes it, and the JSON columns that had to be kept as text. */
export interface ExportedRow {
  readonly wire: WireNegotiation;
  /** JSON columns whose text is not JSON: written as that text, a JSON string. */
  readonly textColumns: readonly JsonColumn[];
}

/**
 * A stored row in the wire format, whatever it holds: a JSON column whose text is not JSON
 * is written as that text (a JSON string, which `import` reads as the column's text), so an
 * export loses nothing, and importing it refuses the line, naming the column.
 *
 * @param row - The row as stored.
 * @returns The wire form, and which columns were kept as text.
 */
export function exportRow(row: NegotiationStateRow): ExportedRow {
  const textColumns: JsonColumn[] = [];
  const parsed = (column: JsonColumn): unknown => {
    const text: unknown = row[column];
    if (typeof text !== "string") return text;
    try {
      return parseExactJson(text);
    } catch {
      textColumns.push(column);
      return text;
    }
  };
  const wire: WireNegotiation = {
    thread_id: row.thread_id,
    state: row.state,
    round_count: row.round_count,
    context_json: parsed("context_json"),
    campaign_json: parsed("campaign_json"),
    cpm_tracker_json: parsed("cpm_tracker_json"),
    history_json: parsed("history_json"),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  return { wire, textColumns };
}

/** One refused field of a line. */
export interface WireRefusal {
  /**
   * Where, from the line's top: `thread_id`, `campaign_json.cpm_range.min_cpm`,
   * `history_json[2][1]`; empty for the line as a whole.
   */
  readonly field: string;
  /** What is wrong there. */
  readonly problem: string;
}

/** What {@link wireToRow} made of a line: the row to write, or every refusal. */
export type WireCheck =
  | { readonly row: NegotiationStateRow; readonly refusals?: undefined }
  | { readonly row?: undefined; readonly refusals: readonly WireRefusal[] };

/** Campaigns already checked, by their JSON: the lines of one campaign share it. */
export type CampaignChecks = Map<string, readonly WireRefusal[]>;

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * Checks one negotiation in the wire format and makes the row to store. Every field is
 * checked, and every problem is returned (not only the first):
 *
 * - exactly the nine fields of {@link WIRE_FIELDS}, no other;
 * - `thread_id`, `round_count`, context, campaign and CPM tracker as `save` checks them,
 *   with the store's own checks and serializers;
 * - `state` and `history_json` rebuild a state machine (`NegotiationStateMachine.fromSnapshot`),
 *   and agree: each entry is a transition the machine allows, starts where the one before
 *   ended, and the last ends in `state`;
 * - `created_at` and `updated_at` are UTC `YYYY-MM-DDTHH:MM:SSZ`, real dates;
 * - the row then reads back (`restoreNegotiationRows`).
 *
 * A JSON column may be given as a JSON value or as its JSON text (a string, as stored).
 * The row keeps the values as given, written as compact JSON: decimals keep their digits
 * (`"25.50"` stays `"25.50"`, as the Python service wrote it), a campaign keeps the fields
 * it has, so an exported row imports unchanged.
 *
 * @param line - A parsed line (or a stored row: its JSON columns are text).
 * @param campaigns - Campaign checks to reuse across lines.
 * @returns The row, or the refusals.
 */
export function wireToRow(line: unknown, campaigns: CampaignChecks = new Map()): WireCheck {
  if (typeof line !== "object" || line === null || Array.isArray(line)) {
    return {
      refusals: [{ field: "", problem: `expected a JSON object, got ${describeValue(line)}` }],
    };
  }
  const fields = line as Record<string, unknown>;
  const refusals: WireRefusal[] = [];
  const refuse = (field: string, problem: string) => refusals.push({ field, problem });
  for (const name of Object.keys(fields)) {
    if (!(WIRE_FIELDS as readonly string[]).includes(name)) {
      refuse(name, `unknown field; a line has exactly ${WIRE_FIELDS.join(", ")}`);
    }
  }
  const missing = WIRE_FIELDS.filter((name) => !Object.hasOwn(fields, name));
  for (const name of missing) refuse(name, "missing");

  const threadId = fields.thread_id;
  if (threadId !== undefined && (typeof threadId !== "string" || threadId === "")) {
    refuse("thread_id", `expected a non-empty string, got ${describeValue(threadId)}`);
  }
  const roundCount = fields.round_count;
  if (
    roundCount !== undefined &&
    (!Number.isSafeInteger(roundCount) || (roundCount as number) < 0)
  ) {
    refuse("round_count", `expected a non-negative integer, got ${describeValue(roundCount)}`);
  }
  for (const name of ["created_at", "updated_at"] as const) {
    const problem = fields[name] === undefined ? null : timestampProblem(fields[name]);
    if (problem !== null) refuse(name, problem);
  }

  const values: Partial<Record<JsonColumn, unknown>> = {};
  for (const column of JSON_COLUMNS) {
    if (fields[column] === undefined) continue;
    const value = jsonValue(fields[column]);
    if (value.problem === undefined) values[column] = value.value;
    else refuse(column, value.problem);
  }

  checkStateAndHistory(fields.state, values.history_json, refuse);
  const context = checked(values.context_json, () =>
    serializeContext(values.context_json as never),
  );
  if (context.problem) refuse(context.field ?? "context_json", context.problem);
  const tracker = checked(values.cpm_tracker_json, () =>
    serializeCpmTracker(values.cpm_tracker_json as never),
  );
  if (tracker.problem) refuse(tracker.field ?? "cpm_tracker_json", tracker.problem);
  let _campaignOk = false;
  if (values.campaign_json !== undefined) {
    const key = stringifyExactJson(values.campaign_json);
    let found = campaigns.get(key);
    if (found === undefined) {
      found = campaignRefusals(values.campaign_json);
      campaigns.set(key, found);
    }
    refusals.push(...found);
    _campaignOk = found.length === 0;
  }

  if (typeof threadId === "string" && threadId !== "") {
    try {
      checkedThreadId(threadId);
    } catch (error) {
      refusals.push(...refusalOf(error, { threadId: "thread_id" }));
    }
  }
  if (refusals.length > 0) return { refusals };

  const row: NegotiationStateRow = {
    thread_id: threadId as string,
    state: fields.state as string,
    round_count: roundCount as number,
    context_json: stringifyExactJson(values.context_json),
    campaign_json: stringifyExactJson(values.campaign_json),
    cpm_tracker_json: stringifyExactJson(values.cpm_tracker_json),
    history_json: stringifyExactJson(values.history_json),
    created_at: fields.created_at as string,
    updated_at: fields.updated_at as string,
  };
  // The row is written as given, not as the serializers rewrote it: it must read back.
  try {
    restoreNegotiationRows([row]);
  } catch (error) {
    const path = error instanceof ValidationError ? error.path : "";
    const column = WIRE_FIELDS.find((name) => path.endsWith(`.${name}`)) ?? "";
    return { refusals: [{ field: column, problem: problemOf(error) }] };
  }
  return { row };
}

/** The given value of a JSON column: the value itself, or the value of its JSON text. */
function jsonValue(given: unknown): { value?: unknown; problem?: string } {
  if (typeof given !== "string") return { value: given };
  try {
    return { value: parseExactJson(given) };
  } catch (error) {
    return { problem: `is text that is not JSON (${errorMessage(error)})` };
  }
}

function timestampProblem(value: unknown): string | null {
  if (typeof value !== "string" || !TIMESTAMP.test(value)) {
    return `expected a UTC time as YYYY-MM-DDTHH:MM:SSZ, got ${describeValue(value)}`;
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || `${date.toISOString().slice(0, 19)}Z` !== value) {
    return `${JSON.stringify(value)} is not a real date and time`;
  }
  return null;
}

/**
 * Rebuilds the machine from `state` and `history_json`, then checks that they agree.
 *
 */
function checkStateAndHistory(
  state: unknown,
  history: unknown,
  refuse: (field: string, problem: string) => void,
): void {
  if (state === undefined) return;
  if (!isNegotiationState(state)) {
    refuse(
      "state",
      typeof state === "string"
        ? `unknown state ${JSON.stringify(state)}`
        : `expected a state name, got ${describeValue(state)}`,
    );
    return;
  }
  if (history === undefined) return;
  let machine: NegotiationStateMachine;
  try {
    machine = NegotiationStateMachine.fromSnapshot(state, history as string[][]);
  } catch (error) {
    const roots = { history: "history_json", prePauseState: "history_json" };
    for (const refusal of refusalOf(error, roots)) {
      refuse(refusal.field, refusal.problem);
    }
    return;
  }
  const entries = machine.history;
  let prePause: NegotiationState | null = null;
  entries.forEach(([from, event, to], index) => {
    const previous = entries[index - 1];
    if (previous !== undefined && previous[2] !== from) {
      refuse(
        `history_json[${index}][0]`,
        `starts from "${from}", but the entry before ends in "${previous[2]}"`,
      );
    }
    const allowed = allowedTransition(from, event, prePause);
    if (allowed !== to) {
      refuse(
        `history_json[${index}]`,
        allowed === undefined
          ? `"${event}" is not a transition from "${from}"`
          : `"${event}" leads from "${from}" to "${allowed}", not to "${to}"`,
      );
    }
    if (event === NegotiationEvent.PAUSE) prePause = from;
  });
  const last = entries.at(-1);
  if (last !== undefined && last[2] !== state) {
    refuse("state", `is "${state}", but history_json ends in "${last[2]}"`);
  }
}

/**
 * Where `event` leads from `from`: the table's transitions, and `resume` from paused back
 * to the state before the last pause (none without one, as the machine refuses it).
 */
function allowedTransition(
  from: NegotiationState,
  event: NegotiationEvent,
  prePause: NegotiationState | null,
): NegotiationState | undefined {
  if (event !== NegotiationEvent.RESUME) return TRANSITIONS[from][event];
  return from === "paused" && prePause !== null ? prePause : undefined;
}

function checked(
  value: unknown,
  check: () => unknown,
): { ok: boolean; field?: string; problem?: string } {
  if (value === undefined) return { ok: false };
  try {
    check();
    return { ok: true };
  } catch (error) {
    const [refusal] = refusalOf(error, {
      context: "context_json",
      cpm_tracker: "cpm_tracker_json",
    });
    return {
      ok: false,
      field: refusal?.field ?? "",
      problem: refusal?.problem ?? errorMessage(error),
    };
  }
}

function campaignRefusals(campaign: unknown): readonly WireRefusal[] {
  try {
    serializeCampaign(campaign);
    return [];
  } catch (error) {
    return refusalOf(error, {});
  }
}

/**
 * The refusals an error of the store's checks stands for, each at its field of the line.
 *
 * @param roots - The first segment of the error's path, renamed to a field of the line
 *   (`cpm_tracker.agreements[0].cpm` becomes `cpm_tracker_json.agreements[0].cpm`).
 */
function refusalOf(error: unknown, roots: Readonly<Record<string, string>>): WireRefusal[] {
  if (error instanceof CampaignValidationError) {
    return error.issues.map((issue) => ({
      field: issue.path === "" ? "campaign_json" : `campaign_json.${issue.path}`,
      problem: issue.message,
    }));
  }
  const path =
    error instanceof ValidationError
      ? error.path
      : error instanceof ContextSerializationError
        ? error.keyPath
        : "";
  const root = /^[^.[]*/.exec(path)?.[0] ?? "";
  const field = root in roots ? `${roots[root]}${path.slice(root.length)}` : path;
  return [{ field, problem: problemOf(error) }];
}

/** What an error of the store's checks says is wrong, without the path it names. */
function problemOf(error: unknown): string {
  if (error instanceof ValidationError || error instanceof ContextSerializationError) {
    return error.problem;
  }
  return errorMessage(error);
}
