import { CampaignValidationError, InvalidHistoryError } from "../domain/errors.js";
import { ValidationError } from "../errors/validation-error.js";
import { ContextSerializationError, type RowFailure } from "../store/errors.js";
import { TABLE } from "../store/negotiation-state-table.js";

/** One refused field of a row, or of a line in the wire format. */
export interface WireRefusal {
  /**
   * Where, from the line's top: `thread_id`, `campaign_json.cpm_range.min_cpm`,
   * `history_json[2][1]`; empty for the line as a whole.
   */
  readonly field: string;
  /** What is wrong there. */
  readonly problem: string;
}

/**
 * The first segment of a path in the store's and the domain's errors, where it names a
 * column otherwise than the column's own name (`cpm_tracker.agreements[0].cpm`,
 * `history[2][1]`, `context.offers[1]`).
 */
const COLUMN_OF_ROOT: Readonly<Record<string, string>> = {
  context: "context_json",
  cpm_tracker: "cpm_tracker_json",
  history: "history_json",
};

/**
 * What the row contract's failure of one column means, field by field, read from the data
 * its cause carries (never from a message): each problem of an `InvalidHistoryError` at its
 * place (`history_json[2][1]`, `state`); each issue of a `CampaignValidationError` under
 * `campaign_json`; the path of a `ValidationError` or the key path of a
 * `ContextSerializationError` under the column; text that is not JSON (a `SyntaxError`, or
 * an error caused by one) as such; anything else at the column, with the failure's problem.
 *
 * @param failure - One failure of `rowToNegotiation`, `restoreAll` or `load`.
 * @returns At least one refusal, each at a field of the row.
 * @example
 * failureRefusals(failure); // [{ field: "campaign_json.cpm_range.min_cpm", problem: "must not exceed max_cpm (40 > 30)" }]
 */
export function failureRefusals(failure: RowFailure): WireRefusal[] {
  const { column, cause } = failure;
  const syntax = syntaxErrorOf(cause);
  if (syntax !== undefined) {
    return [{ field: column, problem: `is text that is not JSON (${syntax.message})` }];
  }
  if (cause instanceof InvalidHistoryError) {
    return cause.problems.map(({ path, problem }) => ({ field: under(column, path), problem }));
  }
  if (cause instanceof CampaignValidationError && cause.issues.length > 0) {
    return cause.issues.map(({ path, message }) => ({
      field: path === "" ? column : `${column}.${path}`,
      problem: message,
    }));
  }
  if (cause instanceof ContextSerializationError) {
    return [{ field: under(column, cause.keyPath), problem: cause.problem }];
  }
  if (cause instanceof ValidationError && cause.problem !== "") {
    return [{ field: under(column, cause.path), problem: cause.problem }];
  }
  return [{ field: column, problem: failure.problem }];
}

/**
 * Each refused field of stored rows as one line naming the table, the thread and the field:
 * `negotiation_state["thread-9"].campaign_json.budget: is required`.
 *
 * @param failures - What `restoreAll` or `load` could not rebuild.
 * @returns One line per refused field, in the failures' order.
 */
export function failureLines(failures: readonly RowFailure[]): string[] {
  return failures.flatMap((failure) =>
    failureRefusals(failure).map(
      ({ field, problem }) =>
        `${TABLE}[${JSON.stringify(failure.threadId)}]${field === "" ? "" : `.${field}`}: ${problem}`,
    ),
  );
}

/** The `SyntaxError` of a parse, thrown as it is or as the cause of a check's own error. */
function syntaxErrorOf(cause: unknown): SyntaxError | undefined {
  if (cause instanceof SyntaxError) return cause;
  const inner = cause instanceof Error ? cause.cause : undefined;
  return inner instanceof SyntaxError ? inner : undefined;
}

/** `path` as a field under `column`, when its first segment names the column; else the column. */
function under(column: string, path: string): string {
  const root = /^[^.[]*/.exec(path)?.[0] ?? "";
  const named = Object.hasOwn(COLUMN_OF_ROOT, root) ? COLUMN_OF_ROOT[root] : root;
  return named === column ? `${column}${path.slice(root.length)}` : column;
}
