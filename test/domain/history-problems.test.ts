/**
 * `historyProblems` (DESIGN §3 Domain): the one rule for a state and its history, which the
 * store holds every row to. It must agree with the machine: every history a real
 * `NegotiationStateMachine` records holds together, and a history changed in one place is
 * refused at the first entry the machine itself would not have recorded.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidHistoryError } from "../../src/domain/errors.js";
import { type HistoryProblem, historyProblems } from "../../src/domain/history-problems.js";
import { NegotiationStateMachine } from "../../src/domain/negotiation-state-machine.js";
import {
  type NegotiationEvent as Event,
  NegotiationEvent,
  NegotiationState,
  type NegotiationState as State,
} from "../../src/domain/vocabulary.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { checkProperty } from "../properties/support.js";
import { machineWalks, replayVerdict } from "../support/machine-walks.js";

const STATES = Object.values(NegotiationState);
const EVENTS = Object.values(NegotiationEvent);

type Entry = [string, string, string];

/** What a machine records when it starts in `start` and takes `events` (the valid ones). */
function recorded(start: State, events: readonly Event[]): NegotiationStateMachine {
  const machine = new NegotiationStateMachine(start);
  for (const event of events) machine.trigger(event);
  return machine;
}

/** Where `historyProblems` first refuses, in the terms of `replayVerdict`. */
function checkerVerdict(problems: readonly HistoryProblem[]): number | "state" | null {
  const [first] = problems;
  if (first === undefined) return null;
  return first.index ?? "state";
}

const walks = machineWalks(40);

describe("historyProblems on what a real machine records", () => {
  it("finds nothing in every history a machine driven by random valid events records", async () => {
    await checkProperty(
      "machine histories hold together",
      fc.property(walks, (machine) => {
        const { state, history } = machine.toSnapshot();
        expect(historyProblems(state, history)).toEqual([]);
        // And with the state written out as stored text, the history as parsed JSON.
        expect(historyProblems(String(state), JSON.parse(JSON.stringify(history)))).toEqual([]);
      }),
      300,
    );
  });

  it("refuses a history changed in one place at the entry the machine would refuse", async () => {
    const mutation = fc.constantFrom("from", "to", "event", "resume-to", "drop", "swap");
    await checkProperty(
      "mutated histories are refused where the machine refuses them",
      fc.property(
        walks.filter((machine) => machine.history.length > 0),
        mutation,
        fc.nat(),
        fc.nat(),
        (machine, kind, where, pick) => {
          const history: Entry[] = machine.history.map(([from, event, to]) => [from, event, to]);
          const index = where % history.length;
          const entry = history[index] as Entry;
          const other = <T extends string>(values: readonly T[], not: string) => {
            const choices = values.filter((value) => value !== not);
            return choices[pick % choices.length] as T;
          };
          if (kind === "from") entry[0] = other(STATES, entry[0]);
          if (kind === "to") entry[2] = other(STATES, entry[2]);
          if (kind === "event") entry[1] = other(EVENTS, entry[1]);
          if (kind === "resume-to") {
            const resume = history.findIndex(([, event]) => event === "resume");
            if (resume >= 0)
              (history[resume] as Entry)[2] = other(STATES, history[resume]?.[2] ?? "");
          }
          if (kind === "drop") history.splice(index, 1);
          if (kind === "swap" && index + 1 < history.length) {
            history.splice(index, 2, history[index + 1] as Entry, entry);
          }
          const { state } = machine;
          const problems = historyProblems(state, history);
          expect(checkerVerdict(problems)).toEqual(replayVerdict(state, history));
          for (const problem of problems) {
            expect(problem.path).toMatch(
              problem.index === null ? /^state$/ : new RegExp(`^history\\[${problem.index}\\]`),
            );
          }
        },
      ),
      1000,
    );
  });
});

describe("historyProblems, case by case", () => {
  const offer = ["initial_offer", "send_offer", "awaiting_reply"];
  const reply = ["awaiting_reply", "receive_reply", "counter_received"];

  it.each<[string, unknown, unknown, HistoryProblem[]]>([
    ["an empty history, in any state", "stale", [], []],
    ["a history that starts in a later state", "counter_received", [reply], []],
    [
      "a pause, then resume to the state before it",
      "awaiting_reply",
      [offer, ["awaiting_reply", "pause", "paused"], ["paused", "resume", "awaiting_reply"]],
      [],
    ],
    [
      "an event that is not a transition from its state",
      "agreed",
      [offer, ["awaiting_reply", "accept", "agreed"]],
      [
        {
          index: 1,
          path: "history[1]",
          problem: '"accept" is not a transition from "awaiting_reply"',
        },
      ],
    ],
    [
      "an event that leads elsewhere",
      "stale",
      [offer, ["awaiting_reply", "receive_reply", "stale"]],
      [
        {
          index: 1,
          path: "history[1]",
          problem:
            '"receive_reply" leads from "awaiting_reply" to "counter_received", not to "stale"',
        },
      ],
    ],
    [
      "an entry that does not start where the one before ended",
      "counter_received",
      [offer, ["stale", "receive_reply", "counter_received"]],
      [
        {
          index: 1,
          path: "history[1][0]",
          problem: 'starts from "stale", but the entry before ends in "awaiting_reply"',
        },
      ],
    ],
    [
      "a resume to another state than the one paused from",
      "counter_sent",
      [offer, ["awaiting_reply", "pause", "paused"], ["paused", "resume", "counter_sent"]],
      [
        {
          index: 2,
          path: "history[2]",
          problem:
            '"resume" leads from "paused" to "awaiting_reply" (the state before the pause), not to "counter_sent"',
        },
      ],
    ],
    [
      "a resume with no pause right before it",
      "awaiting_reply",
      [["paused", "resume", "awaiting_reply"]],
      [
        {
          index: 0,
          path: "history[0]",
          problem:
            '"resume" from "paused" cannot be checked: no pause comes right before it, so the state before the pause is unknown',
        },
      ],
    ],
    [
      "a last entry that does not end in the state",
      "counter_sent",
      [offer],
      [
        {
          index: null,
          path: "state",
          problem: 'is "counter_sent", but the history ends in "awaiting_reply"',
        },
      ],
    ],
    [
      "an unknown state, and a state that is not a name",
      "flying",
      [offer],
      [{ index: null, path: "state", problem: 'unknown state "flying"' }],
    ],
    [
      "a history that is not an array",
      42,
      { 0: offer },
      [
        { index: null, path: "state", problem: "expected a state name, got number" },
        { index: null, path: "history", problem: "expected an array of [from, event, to] triples" },
      ],
    ],
    [
      "malformed entries, every place named, and the entries after them still checked",
      "stale",
      [
        ["initial_offer", "send_offer"],
        ["nowhere", "fly", null],
        ["awaiting_reply", "timeout", "stale"],
        ["stale", "accept", "agreed"],
      ],
      [
        { index: 0, path: "history[0]", problem: "expected a [from, event, to] triple" },
        { index: 1, path: "history[1][0]", problem: 'unknown state "nowhere"' },
        { index: 1, path: "history[1][1]", problem: 'unknown event "fly"' },
        { index: 1, path: "history[1][2]", problem: "expected a state name, got null" },
        { index: 3, path: "history[3]", problem: '"accept" is not a transition from "stale"' },
        { index: null, path: "state", problem: 'is "stale", but the history ends in "agreed"' },
      ],
    ],
  ])("%s", (_, state, history, expected) => {
    expect(historyProblems(state, history)).toEqual(expected);
  });

  it("checks the resume of a machine against the state before its pause, for every pausable state", () => {
    for (const state of STATES) {
      const machine = new NegotiationStateMachine(state);
      if (!machine.getValidEvents().includes("pause")) continue;
      machine.pause();
      machine.resume();
      expect(historyProblems(machine.state, machine.history)).toEqual([]);
      const elsewhere = STATES.find((other) => other !== state) as State;
      const [pause, resume] = machine.history as [Entry, Entry];
      expect(historyProblems(elsewhere, [pause, [resume[0], resume[1], elsewhere]])).toEqual([
        {
          index: 1,
          path: "history[1]",
          problem: `"resume" leads from "paused" to "${state}" (the state before the pause), not to "${elsewhere}"`,
        },
      ]);
    }
  });

  it("leaves fromSnapshot rebuilding what it is given, as DESIGN says: the store asks this", () => {
    const history = [["awaiting_reply", "accept", "agreed"]] as const;
    expect(NegotiationStateMachine.fromSnapshot("stale", history).state).toBe("stale");
    expect(historyProblems("stale", history)).toHaveLength(2);
  });
});

describe("InvalidHistoryError", () => {
  it("carries every problem; path and problem are the first's, the message lists all", () => {
    const problems = historyProblems("stale", [
      ["initial_offer", "accept", "agreed"],
      ["agreed", "timeout", "stale"],
    ]);
    const error = new InvalidHistoryError(problems);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe("INVALID_INPUT");
    expect(error.name).toBe("InvalidHistoryError");
    expect(error.problems).toEqual(problems);
    expect(error.path).toBe("history[0]");
    expect(error.problem).toBe('"accept" is not a transition from "initial_offer"');
    expect(error.message).toBe(
      'history[0]: "accept" is not a transition from "initial_offer"; history[1]: "timeout" is not a transition from "agreed"',
    );
  });
});

describe("the machine after sharing its rule with the checker", () => {
  it("records the same moves through trigger, pause, resume and stop as before", () => {
    const machine = recorded("initial_offer", ["send_offer", "pause", "resume", "receive_reply"]);
    machine.pause();
    expect(machine.prePauseState).toBe("counter_received");
    expect(machine.trigger("resume")).toBe("counter_received");
    expect(machine.prePauseState).toBeNull();
    machine.pause();
    expect(machine.stop()).toBe("stopped");
    expect(machine.history).toEqual([
      ["initial_offer", "send_offer", "awaiting_reply"],
      ["awaiting_reply", "pause", "paused"],
      ["paused", "resume", "awaiting_reply"],
      ["awaiting_reply", "receive_reply", "counter_received"],
      ["counter_received", "pause", "paused"],
      ["paused", "resume", "counter_received"],
      ["counter_received", "pause", "paused"],
      ["paused", "stop", "stopped"],
    ]);
    expect(historyProblems(machine.state, machine.history)).toEqual([]);
  });
});
