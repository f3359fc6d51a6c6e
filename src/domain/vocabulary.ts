/**
 * The states a negotiation can be in. A const object and a string union of the same name:
 * `NegotiationState.AWAITING_REPLY === "awaiting_reply"`.
 */
export const NegotiationState = {
  INITIAL_OFFER: "initial_offer",
  AWAITING_REPLY: "awaiting_reply",
  COUNTER_RECEIVED: "counter_received",
  COUNTER_SENT: "counter_sent",
  AGREED: "agreed",
  REJECTED: "rejected",
  ESCALATED: "escalated",
  STALE: "stale",
  PAUSED: "paused",
  STOPPED: "stopped",
} as const;

/** One of the {@link NegotiationState} values, as stored in the `state` column. */
export type NegotiationState = (typeof NegotiationState)[keyof typeof NegotiationState];

/**
 * The events that move a negotiation between states. A const object and a string union of
 * the same name: `NegotiationEvent.SEND_OFFER === "send_offer"`.
 */
export const NegotiationEvent = {
  SEND_OFFER: "send_offer",
  RECEIVE_REPLY: "receive_reply",
  TIMEOUT: "timeout",
  SEND_COUNTER: "send_counter",
  ACCEPT: "accept",
  REJECT: "reject",
  ESCALATE: "escalate",
  RESUME_COUNTER: "resume_counter",
  PAUSE: "pause",
  RESUME: "resume",
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
