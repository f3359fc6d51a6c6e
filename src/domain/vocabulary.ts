/**
 * The states a negotiation can be in. A const object and a string union of the same name:
 * `NegotiationState.AWAITING_REPLY === "awaiting_reply"`. The values are the names stored in
 * the `state` column.
 *
 * @example
 * if (machine.state === NegotiationState.COUNTER_RECEIVED) {
 *   machine.trigger(NegotiationEvent.ACCEPT);
 * }
 */
export const NegotiationState = {
  /** Nothing sent yet; where a negotiation starts. */
  INITIAL_OFFER: "initial_offer",
  /** The offer went out; waiting for the influencer. */
  AWAITING_REPLY: "awaiting_reply",
  /** The influencer answered with a rate of their own. */
  COUNTER_RECEIVED: "counter_received",
  /** A counter-offer went out; waiting for the influencer. */
  COUNTER_SENT: "counter_sent",
  /** A rate was agreed. Terminal. */
  AGREED: "agreed",
  /** The negotiation was turned down. Terminal. */
  REJECTED: "rejected",
  /** Handed to a person to decide. */
  ESCALATED: "escalated",
  /** No reply came in time. */
  STALE: "stale",
  /** Put on hold; `resume` returns to the state before the pause. */
  PAUSED: "paused",
  /** Ended for good without an agreement. Terminal. */
  STOPPED: "stopped",
} as const;

/** One of the {@link NegotiationState} values, as stored in the `state` column. */
export type NegotiationState = (typeof NegotiationState)[keyof typeof NegotiationState];

/**
 * The events that move a negotiation between states. A const object and a string union of
 * the same name: `NegotiationEvent.SEND_OFFER === "send_offer"`.
 */
export const NegotiationEvent = {
  /** The first offer was sent: `initial_offer` to `awaiting_reply`. */
  SEND_OFFER: "send_offer",
  /** A reply came: to `counter_received` from `awaiting_reply`, `counter_sent` or `stale`. */
  RECEIVE_REPLY: "receive_reply",
  /** No reply in time: to `stale` (from `awaiting_reply`, `counter_sent`). */
  TIMEOUT: "timeout",
  /** A counter-offer was sent: `counter_received` to `counter_sent`. */
  SEND_COUNTER: "send_counter",
  /** The influencer's rate was accepted: `counter_received` to `agreed`. */
  ACCEPT: "accept",
  /** Turned down: to `rejected` (from `counter_received`, `escalated`, `stale`). */
  REJECT: "reject",
  /** Handed to a person: `counter_received` to `escalated`. */
  ESCALATE: "escalate",
  /** The person decided to counter: `escalated` to `counter_sent`. */
  RESUME_COUNTER: "resume_counter",
  /** Put on hold: from every non-terminal state but `paused`, to `paused`. */
  PAUSE: "pause",
  /** Back from a pause to the state before it. */
  RESUME: "resume",
  /** Ended for good: from every non-terminal state, `paused` included, to `stopped`. */
  STOP: "stop",
} as const;

/** One of the {@link NegotiationEvent} values, as stored in `history_json`. */
export type NegotiationEvent = (typeof NegotiationEvent)[keyof typeof NegotiationEvent];

/**
 * Tells whether a value is a known state name.
 *
 * @param value - Anything.
 * @returns `true` for one of the {@link NegotiationState} values.
 */
export function isNegotiationState(value: unknown): value is NegotiationState {
  return (Object.values(NegotiationState) as unknown[]).includes(value);
}

/**
 * Tells whether a value is a known event name.
 *
 * @param value - Anything.
 * @returns `true` for one of the {@link NegotiationEvent} values.
 */
export function isNegotiationEvent(value: unknown): value is NegotiationEvent {
  return (Object.values(NegotiationEvent) as unknown[]).includes(value);
}
