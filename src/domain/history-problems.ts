import { prePauseStateAfter, transitionTarget } from "./transitions.js";
import {
  NegotiationEvent as Event,
  type NegotiationEvent,
  type NegotiationState,
  NegotiationState as State,
} from "./vocabulary.js";

/** One thing wrong with a state and its history, as {@link historyProblems} reports it. */
export interface HistoryProblem {
  /** The index of the history entry it is about; `null` for the state or the history as a whole. */
  readonly index: number | null;
  /**
   * Where, from the snapshot's top: `state`, `history`, an entry (`history[2]`) or one of its
   * three places (`history[2][0]` from, `history[2][1]` event, `history[2][2]` to). The store
   * names the same places in its row as `state` and `history_json[2][1]`.
   */
  readonly path: string;
  /** What is wrong there, without the path: `"accept" is not a transition from "stale"`. */
  readonly problem: string;
}

/**
 * Everything that keeps a state and its recorded history from being one a
 * {@link NegotiationStateMachine} could have reached: the rule every stored row is held to.
 * A state and history hold together when:
 *
 * - the state is a known state name, and the history an array of `[from, event, to]`
 *   triples of known names;
 * - each entry is a move the machine makes: a transition of {@link TRANSITIONS}, or `resume`
 *   from paused back to the state before the pause, which the entry right before it (a
 *   `pause`) names; a history that begins with `resume` does not say where to, and is refused;
 * - each entry starts where the one before it ended (the first may start anywhere, as a
 *   machine may be made in any state);
 * - the last entry ends in the state (an empty history goes with any state).
 *
 * `NegotiationStateMachine.fromSnapshot` does not ask this (it rebuilds what it is given);
 * the store does, for every row it writes or restores.
 *
 * @param state - The current state, as stored (anything: it is checked).
 * @param history - The recorded transitions, oldest first, as stored (anything).
 * @returns Every problem, `[]` when they hold together: the state's name first, then the
 *   entries' problems oldest first (for each entry: its shape, where it starts, the move),
 *   then whether the last entry ends in the state.
 * @example
 * historyProblems("counter_received", [
 *   ["initial_offer", "send_offer", "awaiting_reply"],
 *   ["awaiting_reply", "accept", "agreed"],
 * ]);
 * // [
 * //   { index: 1, path: "history[1]", problem: '"accept" is not a transition from "awaiting_reply"' },
 * //   { index: null, path: "state", problem: 'is "counter_received", but the history ends in "agreed"' },
 * // ]
 */
export function historyProblems(state: unknown, history: unknown): HistoryProblem[] {
  const problems: HistoryProblem[] = [];
  const stateProblem = nameProblem("state", state);
  if (stateProblem !== null) problems.push({ index: null, path: "state", problem: stateProblem });
  if (!Array.isArray(history)) {
    problems.push({ index: null, path: "history", problem: NOT_A_HISTORY });
    return problems;
  }
  // Where the entry before ended, and the state to resume to after it; `undefined` after an
  // entry that is not a triple of known names, which says neither.
  let previousEnd: NegotiationState | undefined;
  let prePause: NegotiationState | null = null;
  history.forEach((entry: unknown, index) => {
    const shape = entryProblems(entry, index);
    if (shape.length > 0) {
      problems.push(...shape);
      previousEnd = undefined;
      prePause = null;
      return;
    }
    const [from, event, to] = entry as [NegotiationState, NegotiationEvent, NegotiationState];
    if (previousEnd !== undefined && previousEnd !== from) {
      problems.push({
        index,
        path: `history[${index}][0]`,
        problem: `starts from "${from}", but the entry before ends in "${previousEnd}"`,
      });
    }
    const allowed = transitionTarget(from, event, prePause);
    if (allowed !== to) {
      problems.push({
        index,
        path: `history[${index}]`,
        problem: moveProblem(from, event, to, allowed),
      });
    }
    previousEnd = to;
    prePause = prePauseStateAfter(from, event);
  });
  if (stateProblem === null && previousEnd !== undefined && previousEnd !== state) {
    problems.push({
      index: null,
      path: "state",
      problem: `is "${String(state)}", but the history ends in "${previousEnd}"`,
    });
  }
  return problems;
}

/**
 * What `history` must be, as the problem of one that is not.
 *
 * @internal
 */
export const NOT_A_HISTORY = "expected an array of [from, event, to] triples";

/**
 * What is wrong with a value given as a state or event name.
 *
 * @param kind - Which it should be.
 * @param value - The value.
 * @returns The problem, or `null` for a known name.
 * @internal
 */
export function nameProblem(kind: "state" | "event", value: unknown): string | null {
  if (isName(kind, value)) return null;
  // Without describeValue: this is in every bundle of the state machine, and kept small.
  return typeof value === "string"
    ? `unknown ${kind} ${JSON.stringify(value)}`
    : `expected ${kind === "state" ? "a state" : "an event"} name, got ${value === null ? "null" : typeof value}`;
}

/**
 * What keeps one history entry from being a `[from, event, to]` triple of known names.
 *
 * @param entry - The entry.
 * @param index - Its index, for the paths.
 * @returns Its problems, in the order of its places; `[]` for a well-formed entry.
 * @internal
 */
export function entryProblems(entry: unknown, index: number): HistoryProblem[] {
  const isTriple = Array.isArray(entry) && entry.length === 3;
  // Every stored entry is checked, on every restore: a good one costs three set lookups.
  if (
    isTriple &&
    isName("state", entry[0]) &&
    isName("event", entry[1]) &&
    isName("state", entry[2])
  ) {
    return [];
  }
  const path = `history[${index}]`;
  if (!isTriple) return [{ index, path, problem: "expected a [from, event, to] triple" }];
  const problems: HistoryProblem[] = [];
  (["state", "event", "state"] as const).forEach((kind, place) => {
    const problem = nameProblem(kind, entry[place]);
    if (problem !== null) problems.push({ index, path: `${path}[${place}]`, problem });
  });
  return problems;
}

let stateNames: ReadonlySet<unknown> | undefined;
let eventNames: ReadonlySet<unknown> | undefined;

/** Whether a value is a known state or event name, by a set made on first use. */
function isName(kind: "state" | "event", value: unknown): boolean {
  if (kind === "state") {
    stateNames ??= new Set(Object.values(State));
    return stateNames.has(value);
  }
  eventNames ??= new Set(Object.values(Event));
  return eventNames.has(value);
}

function moveProblem(
  from: NegotiationState,
  event: NegotiationEvent,
  to: NegotiationState,
  allowed: NegotiationState | undefined,
): string {
  if (allowed !== undefined) {
    const where = event === Event.RESUME ? " (the state before the pause)" : "";
    return `"${event}" leads from "${from}" to "${allowed}"${where}, not to "${to}"`;
  }
  if (event === Event.RESUME && from === State.PAUSED) {
    return `"resume" from "paused" cannot be checked: no pause comes right before it, so the state before the pause is unknown`;
  }
  return `"${event}" is not a transition from "${from}"`;
}
