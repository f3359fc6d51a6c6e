import { describe, expect, it } from "vitest";
import { InvalidTransitionError } from "../../src/domain/errors.js";
import { NegotiationStateMachine } from "../../src/domain/negotiation-state-machine.js";
import { TERMINAL_STATES, TRANSITIONS } from "../../src/domain/transitions.js";
import {
  type NegotiationEvent as Event,
  NegotiationEvent,
  NegotiationState,
  type NegotiationState as State,
} from "../../src/domain/vocabulary.js";
import { ValidationError } from "../../src/errors/validation-error.js";

// The table of DESIGN §3, written out independently of src/ so that a change there shows.
const DESIGN_TABLE: Record<State, Partial<Record<Event, State>>> = {
  initial_offer: { send_offer: "awaiting_reply", pause: "paused", stop: "stopped" },
  awaiting_reply: {
    receive_reply: "counter_received",
    timeout: "stale",
    pause: "paused",
    stop: "stopped",
  },
  counter_received: {
    send_counter: "counter_sent",
    accept: "agreed",
    reject: "rejected",
    escalate: "escalated",
    pause: "paused",
    stop: "stopped",
  },
  counter_sent: {
    receive_reply: "counter_received",
    timeout: "stale",
    pause: "paused",
    stop: "stopped",
  },
  escalated: {
    resume_counter: "counter_sent",
    reject: "rejected",
    pause: "paused",
    stop: "stopped",
  },
  stale: {
    receive_reply: "counter_received",
    reject: "rejected",
    pause: "paused",
    stop: "stopped",
  },
  paused: { stop: "stopped" },
  agreed: {},
  rejected: {},
  stopped: {},
};

const STATES = Object.values(NegotiationState);
const EVENTS = Object.values(NegotiationEvent);

/** A machine in `state`; a paused one remembers `counter_sent`. */
function machineIn(state: State): NegotiationStateMachine {
  return state === "paused"
    ? NegotiationStateMachine.fromSnapshot("paused", [], "counter_sent")
    : NegotiationStateMachine.fromSnapshot(state, []);
}

describe("vocabulary", () => {
  it("names the ten states and eleven events of the contract", () => {
    expect(STATES).toEqual([
      "initial_offer",
      "awaiting_reply",
      "counter_received",
      "counter_sent",
      "agreed",
      "rejected",
      "escalated",
      "stale",
      "paused",
      "stopped",
    ]);
    expect(EVENTS).toEqual([
      "send_offer",
      "receive_reply",
      "timeout",
      "send_counter",
      "accept",
      "reject",
      "escalate",
      "resume_counter",
      "pause",
      "resume",
      "stop",
    ]);
    expect(NegotiationState.AWAITING_REPLY).toBe("awaiting_reply");
    expect(NegotiationEvent.RESUME_COUNTER).toBe("resume_counter");
  });

  it("has exactly agreed, rejected and stopped as terminal states", () => {
    expect([...TERMINAL_STATES].sort()).toEqual(["agreed", "rejected", "stopped"]);
  });

  it("has a transition table equal to the contract's", () => {
    expect(TRANSITIONS).toEqual(DESIGN_TABLE);
  });
});

describe("NegotiationStateMachine.trigger", () => {
  for (const state of STATES) {
    for (const event of EVENTS) {
      const expected =
        event === "resume" && state === "paused" ? "counter_sent" : DESIGN_TABLE[state][event];
      it(`${state} + ${event} ${expected ? `-> ${expected}` : "is refused"}`, () => {
        const machine = machineIn(state);
        if (expected) {
          expect(machine.trigger(event)).toBe(expected);
          expect(machine.state).toBe(expected);
          expect(machine.history).toEqual([[state, event, expected]]);
        } else {
          const error = (() => {
            try {
              machine.trigger(event);
            } catch (caught) {
              return caught;
            }
          })();
          expect(error).toBeInstanceOf(InvalidTransitionError);
          expect(error).toMatchObject({ currentState: state, event, code: "INVALID_TRANSITION" });
          expect(machine.state).toBe(state);
          expect(machine.history).toEqual([]);
        }
      });
    }
  }

  it("refuses an unknown event, naming it and the state", () => {
    const machine = new NegotiationStateMachine();
    expect(() => machine.trigger("wave" as Event)).toThrow(
      'event "wave" is not allowed in state "initial_offer" (unknown event)',
    );
  });
});

describe("NegotiationStateMachine", () => {
  it("starts in initial_offer, or in the state it is given", () => {
    expect(new NegotiationStateMachine().state).toBe("initial_offer");
    expect(new NegotiationStateMachine("stale").state).toBe("stale");
    expect(() => new NegotiationStateMachine("nowhere" as State)).toThrow(ValidationError);
  });

  it("lists the valid events sorted, and none when terminal", () => {
    expect(new NegotiationStateMachine("counter_received").getValidEvents()).toEqual([
      "accept",
      "escalate",
      "pause",
      "reject",
      "send_counter",
      "stop",
    ]);
    expect(new NegotiationStateMachine("agreed").getValidEvents()).toEqual([]);
    expect(new NegotiationStateMachine("agreed").isTerminal).toBe(true);
    expect(new NegotiationStateMachine("stale").isTerminal).toBe(false);
  });

  it("pauses and resumes to the state before the pause, recording both", () => {
    const machine = new NegotiationStateMachine();
    machine.trigger("send_offer");
    expect(machine.pause()).toBe("paused");
    expect(machine.prePauseState).toBe("awaiting_reply");
    expect(machine.getValidEvents()).toEqual(["resume", "stop"]);
    expect(machine.resume()).toBe("awaiting_reply");
    expect(machine.prePauseState).toBeNull();
    expect(machine.history).toEqual([
      ["initial_offer", "send_offer", "awaiting_reply"],
      ["awaiting_reply", "pause", "paused"],
      ["paused", "resume", "awaiting_reply"],
    ]);
  });

  it("refuses to pause when paused or terminal, and to resume when not paused", () => {
    const paused = new NegotiationStateMachine();
    paused.pause();
    expect(() => paused.pause()).toThrow(InvalidTransitionError);
    expect(() => new NegotiationStateMachine("agreed").pause()).toThrow(InvalidTransitionError);
    expect(() => new NegotiationStateMachine("stale").resume()).toThrow(InvalidTransitionError);
  });

  it("stops from every non-terminal state, paused included, and forgets the pre-pause state", () => {
    const machine = new NegotiationStateMachine("counter_sent");
    machine.pause();
    expect(machine.stop()).toBe("stopped");
    expect(machine.prePauseState).toBeNull();
    expect(machine.isTerminal).toBe(true);
    expect(() => machine.stop()).toThrow("(the negotiation is finished)");
  });

  it("returns a copy of its history", () => {
    const machine = new NegotiationStateMachine();
    machine.trigger("send_offer");
    machine.history.pop();
    expect(machine.history).toHaveLength(1);
  });
});

describe("NegotiationStateMachine.fromSnapshot", () => {
  const pausedHistory = [
    ["initial_offer", "send_offer", "awaiting_reply"],
    ["awaiting_reply", "receive_reply", "counter_received"],
    ["counter_received", "send_counter", "counter_sent"],
    ["counter_sent", "pause", "paused"],
  ] as const;

  it("derives the pre-pause state from the last pause entry when not given", () => {
    const machine = NegotiationStateMachine.fromSnapshot("paused", pausedHistory);
    expect(machine.prePauseState).toBe("counter_sent");
    expect(machine.resume()).toBe("counter_sent");
  });

  it("uses the last of several pauses", () => {
    const history = [
      ["initial_offer", "pause", "paused"],
      ["paused", "resume", "initial_offer"],
      ["initial_offer", "send_offer", "awaiting_reply"],
      ["awaiting_reply", "pause", "paused"],
    ] as const;
    expect(NegotiationStateMachine.fromSnapshot("paused", history).prePauseState).toBe(
      "awaiting_reply",
    );
  });

  it("prefers an explicit pre-pause state, and cannot resume when it is unknown", () => {
    expect(
      NegotiationStateMachine.fromSnapshot("paused", pausedHistory, "stale").prePauseState,
    ).toBe("stale");
    const unknown = NegotiationStateMachine.fromSnapshot("paused", []);
    expect(unknown.prePauseState).toBeNull();
    expect(unknown.getValidEvents()).toEqual(["stop"]);
    expect(() => unknown.resume()).toThrow("the state before the pause is unknown");
  });

  it("copies the history instead of keeping the caller's array", () => {
    const history: [State, Event, State][] = [["initial_offer", "send_offer", "awaiting_reply"]];
    const machine = NegotiationStateMachine.fromSnapshot("awaiting_reply", history);
    history.push(["awaiting_reply", "timeout", "stale"]);
    expect(machine.history).toHaveLength(1);
  });

  it("round-trips through toSnapshot", () => {
    const machine = NegotiationStateMachine.fromSnapshot("paused", pausedHistory);
    const { state, history, prePauseState } = machine.toSnapshot();
    const rebuilt = NegotiationStateMachine.fromSnapshot(state, history, prePauseState);
    expect(rebuilt.toSnapshot()).toEqual(machine.toSnapshot());
  });

  it("refuses unknown names and malformed entries, naming where", () => {
    expect(() => NegotiationStateMachine.fromSnapshot("limbo" as State)).toThrow(
      'state: unknown state "limbo"',
    );
    expect(() =>
      NegotiationStateMachine.fromSnapshot("stale", [["stale", "wave", "stale"]]),
    ).toThrow('history[0][1]: unknown event "wave"');
    expect(() => NegotiationStateMachine.fromSnapshot("stale", [["stale", "timeout"]])).toThrow(
      "history[0]: expected a [from, event, to] triple",
    );
    expect(() => NegotiationStateMachine.fromSnapshot("paused", [], "agreed")).toThrow(
      'prePauseState: cannot resume to "agreed"',
    );
    expect(() => NegotiationStateMachine.fromSnapshot("stale", [], "stale")).toThrow(
      'prePauseState: must be null when the state is "stale"',
    );
  });
});
