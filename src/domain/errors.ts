import { NegotiationError } from "../errors/negotiation-error.js";
import { ValidationError } from "../errors/validation-error.js";
import type { HistoryProblem } from "./history-problems.js";

/** The domain's errors: an event its state does not allow, a campaign that is not valid. */

/** Thrown when an event is not valid in the machine's current state. */
export class InvalidTransitionError extends NegotiationError {
  override readonly name: string = "InvalidTransitionError";

  /** The state the machine was in. */
  readonly currentState: string;
  /** The event that was refused. */
  readonly event: string;

  /**
   * Makes the error (code `INVALID_TRANSITION`); the message names the event and the state.
   *
   * @param currentState - The state the machine was in.
   * @param event - The refused event.
   * @param reason - Why it was refused, when more than "not in the table".
   */
  constructor(currentState: string, event: string, reason?: string) {
    super(
      "INVALID_TRANSITION",
      `Invalid transition: event "${event}" is not allowed in state "${currentState}"${reason ? ` (${reason})` : ""}`,
    );
    this.currentState = currentState;
    this.event = event;
  }
}

/** One refused field of a campaign. */
export interface CampaignIssue {
  /** Dotted path of the field inside the campaign (`cpm_range.min_cpm`). */
  readonly path: string;
  /** What was wrong with it. */
  readonly message: string;
}

/** Thrown when a campaign does not satisfy the campaign schema; lists every refused field. */
export class CampaignValidationError extends ValidationError {
  override readonly name: string = "CampaignValidationError";

  /** Every refused field; `path` is the first one's. */
  readonly issues: readonly CampaignIssue[];

  /**
   * Makes the error (code `INVALID_CAMPAIGN`); the message lists every issue.
   *
   * @param issues - The refused fields, at least one.
   * @param options - `cause`: the underlying validation error.
   */
  constructor(issues: readonly CampaignIssue[], options?: { cause?: unknown }) {
    const [first] = issues;
    const detail = issues.map((issue) => `${issue.path || "(campaign)"}: ${issue.message}`);
    super(first?.path ?? "", "", { ...options, code: "INVALID_CAMPAIGN" });
    this.message = `Invalid campaign: ${detail.join("; ")}`;
    this.issues = issues;
  }
}

/**
 * Thrown when a state and its history do not hold together (see `historyProblems`): an
 * entry that is not a move the machine makes, one that does not start where the one before
 * ended, a last entry that does not end in the state. Its code is `INVALID_INPUT`, as for
 * every {@link ValidationError}; `path` and `problem` are the first problem's, `problems`
 * holds them all, and the message lists them all.
 */
export class InvalidHistoryError extends ValidationError {
  override readonly name: string = "InvalidHistoryError";

  /** Every problem, at least one, in the order `historyProblems` gives them. */
  readonly problems: readonly HistoryProblem[];

  /**
   * Makes the error; the message is `<path>: <problem>` of each problem, joined by `; `.
   *
   * @param problems - What `historyProblems` found, at least one.
   */
  constructor(problems: readonly HistoryProblem[]) {
    const [first] = problems;
    super(first?.path ?? "history", first?.problem ?? "");
    this.message = problems.map((each) => `${each.path}: ${each.problem}`).join("; ");
    this.problems = problems;
  }
}
