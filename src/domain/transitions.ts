import {
  NegotiationEvent as Event,
  type NegotiationEvent,
  type NegotiationState,
  NegotiationState as State,
} from "./vocabulary.js";

/** The states that accept no event: agreed, rejected and stopped. */
export const TERMINAL_STATES: ReadonlySet<NegotiationState> = new Set<NegotiationState>([
  State.AGREED,
  State.REJECTED,
  State.STOPPED,
]);

/** Where each event leads from one state; absent events are invalid there. */
export type TransitionTable = Readonly<
  Record<NegotiationState, Readonly<Partial<Record<NegotiationEvent, NegotiationState>>>>
>;

const PAUSE_AND_STOP = { [Event.PAUSE]: State.PAUSED, [Event.STOP]: State.STOPPED } as const;

/**
 * Every valid `(state, event) -> state`; any pair not listed is invalid. Every non-terminal
 * state except paused can be paused, and every non-terminal state can be stopped. `resume`
 * is not listed: it leads from paused back to the state before the pause, which only the
 * machine knows (see `NegotiationStateMachine.resume`).
 */
export const TRANSITIONS: TransitionTable = {
  [State.INITIAL_OFFER]: { [Event.SEND_OFFER]: State.AWAITING_REPLY, ...PAUSE_AND_STOP },
  [State.AWAITING_REPLY]: {
    [Event.RECEIVE_REPLY]: State.COUNTER_RECEIVED,
    [Event.TIMEOUT]: State.STALE,
    ...PAUSE_AND_STOP,
  },
  [State.COUNTER_RECEIVED]: {
    [Event.SEND_COUNTER]: State.COUNTER_SENT,
    [Event.ACCEPT]: State.AGREED,
    [Event.REJECT]: State.REJECTED,
    [Event.ESCALATE]: State.ESCALATED,
    ...PAUSE_AND_STOP,
  },
  [State.COUNTER_SENT]: {
    [Event.RECEIVE_REPLY]: State.COUNTER_RECEIVED,
    [Event.TIMEOUT]: State.STALE,
    ...PAUSE_AND_STOP,
  },
  [State.ESCALATED]: {
    [Event.RESUME_COUNTER]: State.COUNTER_SENT,
    [Event.REJECT]: State.REJECTED,
    ...PAUSE_AND_STOP,
  },
  [State.STALE]: {
    [Event.RECEIVE_REPLY]: State.COUNTER_RECEIVED,
    [Event.REJECT]: State.REJECTED,
    ...PAUSE_AND_STOP,
  },
  [State.PAUSED]: { [Event.STOP]: State.STOPPED },
  [State.AGREED]: {},
  [State.REJECTED]: {},
  [State.STOPPED]: {},
};

/**
 * Where `event` leads from `from`, by the machine's rules: {@link TRANSITIONS}, and `resume`
 * from paused back to the state before the pause. `NegotiationStateMachine` moves by it, and
 * `historyProblems` checks a recorded history by it, so the two never disagree.
 *
 * @param from - The state the event happens in.
 * @param event - The event.
 * @param prePauseState - The state before the pause while `from` is paused and that state is
 *   known (see {@link prePauseStateAfter}), else `null`.
 * @returns The state it leads to, or `undefined` when the machine refuses it (which includes
 *   `resume` while the state before the pause is unknown).
 * @internal
 */
export function transitionTarget(
  from: NegotiationState,
  event: NegotiationEvent,
  prePauseState: NegotiationState | null,
): NegotiationState | undefined {
  if (event !== Event.RESUME) return TRANSITIONS[from][event];
  return from === State.PAUSED && prePauseState !== null ? prePauseState : undefined;
}

/**
 * The state to resume to after a move: the state paused from after a `pause`; after any
 * other move, `null` (a pause is resumed at once or not at all: while paused, only `resume`
 * and `stop` are valid).
 *
 * @param from - The state the move started from.
 * @param event - The move's event.
 * @returns The state before the pause, or `null`.
 * @internal
 */
export function prePauseStateAfter(
  from: NegotiationState,
  event: NegotiationEvent,
): NegotiationState | null {
  return event === Event.PAUSE ? from : null;
}
