import { ValidationError } from "../errors/validation-error.js";
import { InvalidTransitionError } from "./errors.js";
import { entryProblems, NOT_A_HISTORY, nameProblem } from "./history-problems.js";
import {
  prePauseStateAfter,
  TERMINAL_STATES,
  TRANSITIONS,
  transitionTarget,
} from "./transitions.js";
import {
  NegotiationEvent as Event,
  isNegotiationEvent,
  type NegotiationEvent,
  type NegotiationState,
  NegotiationState as State,
} from "./vocabulary.js";

/** One recorded transition: `[from, event, to]`, as stored in `history_json`. */
export type TransitionRecord = readonly [
  from: NegotiationState,
  event: NegotiationEvent,
  to: NegotiationState,
];

/** What is needed to rebuild a machine without replaying events. */
export interface NegotiationSnapshot {
  /** The current state. */
  readonly state: NegotiationState;
  /** Every transition so far, oldest first. */
  readonly history: readonly TransitionRecord[];
  /** The state before the last pause while paused, else `null`. */
  readonly prePauseState: NegotiationState | null;
}

/**
 * The machines made by `new NegotiationStateMachine()` itself (not a subclass), moved since
 * only by their own events, each with its live history: the constructor starts an empty
 * history, and every move `trigger` records is one {@link historyProblems} accepts from
 * where the one before ended, so these hold together by construction. A machine
 * `fromSnapshot` rebuilt is not one of them: its history is another array, and the one
 * kept here for it stays empty.
 */
const provenHistories = /* @__PURE__ */ new WeakMap<NegotiationStateMachine, TransitionRecord[]>();

/**
 * The state and history of a machine whose history is known to hold together (see
 * {@link historyProblems}) without checking it again: one made by this class's own
 * constructor (not a subclass's), moved by its own events at least once, whose `toSnapshot`
 * is the class's own (not overridden on the instance).
 *
 * @param machine - Anything.
 * @returns Its state and its live history (read it at once, never change or keep it), or
 *   `undefined` when it is not such a machine: check its snapshot then.
 * @internal
 */
export function provenSnapshot(
  machine: unknown,
): Pick<NegotiationSnapshot, "state" | "history"> | undefined {
  const history = provenHistories.get(machine as NegotiationStateMachine);
  const last = history?.at(-1);
  if (
    last === undefined ||
    (machine as NegotiationStateMachine).toSnapshot !== NegotiationStateMachine.prototype.toSnapshot
  ) {
    return undefined;
  }
  // Each move ends where the machine then is.
  return { state: last[2], history: history as TransitionRecord[] };
}

/**
 * The state machine of one negotiation: it moves only along {@link TRANSITIONS}, records
 * every move, and remembers the state to return to after a pause.
 *
 * @example
 * const machine = new NegotiationStateMachine();
 * machine.trigger("send_offer"); // "awaiting_reply"
 * machine.pause();               // "paused"
 * machine.resume();              // "awaiting_reply"
 */
export class NegotiationStateMachine {
  #state: NegotiationState;
  #history: TransitionRecord[] = [];
  #prePauseState: NegotiationState | null = null;

  /**
   * Starts a negotiation with an empty history.
   *
   * @param initialState - Where the negotiation starts; `"initial_offer"` by default.
   * @throws {@link ValidationError} (code `INVALID_INPUT`, path `initialState`) for an
   *   unknown state name.
   */
  constructor(initialState: NegotiationState = State.INITIAL_OFFER) {
    this.#state = knownState(initialState, "initialState");
    if (new.target === NegotiationStateMachine) provenHistories.set(this, this.#history);
  }

  /**
   * Rebuilds a machine from stored data without replaying events. It checks names and
   * shapes, not whether the history holds together (each entry a move the machine makes,
   * from where the one before ended, the last ending in `state`): {@link historyProblems}
   * tells that, and the store asks it of every row it writes or restores.
   *
   * @param state - The current state.
   * @param history - The recorded transitions, oldest first; copied.
   * @param prePauseState - The state before the pause. When not given and `state` is
   *   paused, it is taken from the last `pause` entry of the history.
   * @returns The rebuilt machine.
   * @throws {@link ValidationError} (code `INVALID_INPUT`) for an unknown state, a malformed
   *   history entry or an impossible pre-pause state, naming it (path `state`,
   *   `history[3][1]`, `prePauseState`).
   * @example
   * const machine = NegotiationStateMachine.fromSnapshot("awaiting_reply", [
   *   ["initial_offer", "send_offer", "awaiting_reply"],
   * ]);
   */
  static fromSnapshot(
    state: NegotiationState,
    history: readonly (readonly string[])[] = [],
    prePauseState?: NegotiationState | null,
  ): NegotiationStateMachine {
    const machine = new NegotiationStateMachine(knownState(state, "state"));
    if (!Array.isArray(history)) throw new ValidationError("history", NOT_A_HISTORY);
    // A new array: the constructor's, the one `provenHistories` holds, stays empty, so a
    // rebuilt machine is never taken as proven (its history is whatever it was given).
    machine.#history = history.map(checkedRecord);
    if (state !== State.PAUSED) {
      if (prePauseState != null) {
        throw new ValidationError("prePauseState", `must be null when the state is "${state}"`);
      }
      return machine;
    }
    const restored = prePauseState === undefined ? pausedFrom(machine.#history) : prePauseState;
    if (restored !== null) {
      const name = knownState(restored, "prePauseState");
      if (name === State.PAUSED || TERMINAL_STATES.has(name)) {
        throw new ValidationError("prePauseState", `cannot resume to "${name}"`);
      }
    }
    machine.#prePauseState = restored;
    return machine;
  }

  /** The current state. */
  get state(): NegotiationState {
    return this.#state;
  }

  /** Whether the negotiation is finished (agreed, rejected or stopped). */
  get isTerminal(): boolean {
    return TERMINAL_STATES.has(this.#state);
  }

  /** A copy of the recorded transitions, oldest first (the entries are the machine's own: those it recorded itself are frozen). */
  get history(): TransitionRecord[] {
    return this.#history.slice();
  }

  /** The state before the last pause while paused, else `null`. */
  get prePauseState(): NegotiationState | null {
    return this.#prePauseState;
  }

  /**
   * Applies an event. `"pause"` and `"resume"` behave as {@link pause} and {@link resume}.
   *
   * @param event - The event.
   * @returns The new state.
   * @throws {@link InvalidTransitionError} (code `INVALID_TRANSITION`, with `currentState`
   *   and `event`) when the event is unknown or not valid now; the state does not change.
   */
  trigger(event: NegotiationEvent): NegotiationState {
    const from = this.#state;
    const next = isNegotiationEvent(event)
      ? transitionTarget(from, event, this.#prePauseState)
      : undefined;
    if (next === undefined) {
      if (event === Event.RESUME && from === State.PAUSED) {
        throw new InvalidTransitionError(from, event, "the state before the pause is unknown");
      }
      throw this.#refuse(event);
    }
    // Frozen: `history` hands out the entries themselves, and a change would unmake the proof.
    this.#history.push(Object.freeze([from, event, next] as const));
    this.#state = next;
    this.#prePauseState = prePauseStateAfter(from, event);
    return next;
  }

  /**
   * The events valid now.
   *
   * @returns The event names, sorted; `[]` when terminal. While paused: `resume` (when the
   *   pre-pause state is known) and `stop`.
   */
  getValidEvents(): NegotiationEvent[] {
    const events = Object.keys(TRANSITIONS[this.#state]) as NegotiationEvent[];
    if (this.#prePauseState !== null) events.push(Event.RESUME);
    return events.sort();
  }

  /**
   * Pauses the negotiation, remembering the current state.
   *
   * @returns `"paused"`.
   * @throws {@link InvalidTransitionError} (code `INVALID_TRANSITION`) when already paused or
   *   terminal.
   */
  pause(): NegotiationState {
    return this.trigger(Event.PAUSE);
  }

  /**
   * Returns from a pause to the state before it, recording `[paused, "resume", restored]`.
   *
   * @returns The restored state.
   * @throws {@link InvalidTransitionError} (code `INVALID_TRANSITION`) when not paused, or
   *   when the pre-pause state is unknown.
   */
  resume(): NegotiationState {
    return this.trigger(Event.RESUME);
  }

  /**
   * Stops the negotiation for good; valid from every non-terminal state, paused included.
   *
   * @returns `"stopped"`.
   * @throws {@link InvalidTransitionError} (code `INVALID_TRANSITION`) when already terminal.
   */
  stop(): NegotiationState {
    return this.trigger(Event.STOP);
  }

  /**
   * What {@link NegotiationStateMachine.fromSnapshot} needs to rebuild this machine.
   *
   * @returns The state, a copy of the history and the pre-pause state.
   */
  toSnapshot(): NegotiationSnapshot {
    return { state: this.#state, history: this.history, prePauseState: this.#prePauseState };
  }

  #refuse(event: string): InvalidTransitionError {
    const reason = this.isTerminal
      ? "the negotiation is finished"
      : isNegotiationEvent(event)
        ? undefined
        : "unknown event";
    return new InvalidTransitionError(this.#state, event, reason);
  }
}

function knownState(value: unknown, path: string): NegotiationState {
  const problem = nameProblem("state", value);
  if (problem !== null) throw new ValidationError(path, problem);
  return value as NegotiationState;
}

function checkedRecord(entry: unknown, index: number): TransitionRecord {
  const [problem] = entryProblems(entry, index);
  if (problem !== undefined) throw new ValidationError(problem.path, problem.problem);
  const [from, event, to] = entry as TransitionRecord;
  return [from, event, to];
}

function pausedFrom(history: readonly TransitionRecord[]): NegotiationState | null {
  const lastPause = history.findLast(([, event]) => event === Event.PAUSE);
  return lastPause?.[0] ?? null;
}
