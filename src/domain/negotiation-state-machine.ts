import { ValidationError } from "../errors/validation-error.js";
import { InvalidTransitionError } from "./errors.js";
import { TERMINAL_STATES, TRANSITIONS } from "./transitions.js";
import {
  NegotiationEvent as Event,
  isNegotiationEvent,
  isNegotiationState,
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
  }

  /**
   * Rebuilds a machine from stored data without replaying events.
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
    if (!Array.isArray(history))
      throw new ValidationError("history", "expected an array of [from, event, to] triples");
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

  /** A copy of the recorded transitions, oldest first. */
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
    if (event === Event.PAUSE) return this.pause();
    if (event === Event.RESUME) return this.resume();
    const next = isNegotiationEvent(event) ? TRANSITIONS[this.#state][event] : undefined;
    if (next === undefined) throw this.#refuse(event);
    return this.#move(event, next);
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
    const from = this.#state;
    if (from === State.PAUSED || this.isTerminal) throw this.#refuse(Event.PAUSE);
    this.#move(Event.PAUSE, State.PAUSED);
    this.#prePauseState = from;
    return State.PAUSED;
  }

  /**
   * Returns from a pause to the state before it, recording `[paused, "resume", restored]`.
   *
   * @returns The restored state.
   * @throws {@link InvalidTransitionError} (code `INVALID_TRANSITION`) when not paused, or
   *   when the pre-pause state is unknown.
   */
  resume(): NegotiationState {
    const restored = this.#prePauseState;
    if (this.#state !== State.PAUSED) throw this.#refuse(Event.RESUME);
    if (restored === null) {
      throw new InvalidTransitionError(
        this.#state,
        Event.RESUME,
        "the state before the pause is unknown",
      );
    }
    return this.#move(Event.RESUME, restored);
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

  #move(event: NegotiationEvent, to: NegotiationState): NegotiationState {
    this.#history.push([this.#state, event, to]);
    this.#state = to;
    this.#prePauseState = null;
    return to;
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
  if (isNegotiationState(value)) return value;
  throw new ValidationError(path, `unknown state ${JSON.stringify(value)}`);
}

function checkedRecord(entry: unknown, index: number): TransitionRecord {
  const path = `history[${index}]`;
  if (!Array.isArray(entry) || entry.length !== 3) {
    throw new ValidationError(path, "expected a [from, event, to] triple");
  }
  const [from, event, to] = entry as unknown[];
  if (!isNegotiationEvent(event)) {
    throw new ValidationError(`${path}[1]`, `unknown event ${JSON.stringify(event)}`);
  }
  return [knownState(from, `${path}[0]`), event, knownState(to, `${path}[2]`)];
}

function pausedFrom(history: readonly TransitionRecord[]): NegotiationState | null {
  const lastPause = history.findLast(([, event]) => event === Event.PAUSE);
  return lastPause?.[0] ?? null;
}
