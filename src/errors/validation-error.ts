import { NegotiationError, type NegotiationErrorCode } from "./negotiation-error.js";

/** Thrown for bad input: a money value, a tracker dict, a thread id, a stored row. */
export class ValidationError extends NegotiationError {
  override readonly name: string = "ValidationError";

  /** Where the bad value was, as a dotted path (`cpmTracker.agreements[0].cpm`). */
  readonly path: string;

  /** What was wrong there, without the path (`must be a non-negative integer, got -1`). */
  readonly problem: string;

  /**
   * Makes the error (code `INVALID_INPUT` unless a subclass gives its own); the message is
   * `<path>: <problem>`.
   *
   * @param path - Where the bad value was.
   * @param problem - What was wrong with it.
   * @param options - `cause`, and the `code` of a subclass.
   */
  constructor(
    path: string,
    problem: string,
    options?: { cause?: unknown; code?: NegotiationErrorCode },
  ) {
    super(options?.code ?? "INVALID_INPUT", `${path}: ${problem}`, options);
    this.path = path;
    this.problem = problem;
  }
}
