/**
 * The row contract (DESIGN §4): one definition of a valid row of `negotiation_state`, used
 * by every read and write of the store. A row it accepts is one the store restores, and a
 * row it refuses is named by thread, column and problem wherever the store meets it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { CampaignValidationError, InvalidHistoryError } from "../../src/domain/errors.js";
import { NegotiationStateMachine } from "../../src/domain/negotiation-state-machine.js";
import {
  type NegotiationEvent as Event,
  NegotiationEvent,
  NegotiationState,
} from "../../src/domain/vocabulary.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import { RestoreError, type RowFailure } from "../../src/store/errors.js";
import {
  negotiationToRow,
  restoreNegotiationRows,
  rowToNegotiation,
} from "../../src/store/negotiation-row.js";
import { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import {
  initNegotiationStateTable,
  NEGOTIATION_STATE_COLUMNS,
  NEGOTIATION_STATE_DDL,
  type NegotiationStateRow,
} from "../../src/store/negotiation-state-table.js";
import { formatTimestamp, timestampProblem } from "../../src/store/timestamp.js";
import { checkProperty } from "../properties/support.js";
import { machineWalks, replayVerdict } from "../support/machine-walks.js";
import { negotiation } from "../support/negotiations.js";
import { thrownBy } from "../support/thrown-by.js";

/** A valid row, as `save` writes it. */
function validRow(events: readonly Event[] = ["send_offer"]): NegotiationStateRow {
  return negotiationToRow(negotiation("thread-1", events), "2026-03-01T10:00:00Z");
}

function failuresOf(row: unknown): RowFailure[] {
  const rebuilt = rowToNegotiation(row as NegotiationStateRow);
  if (!Array.isArray(rebuilt)) throw new Error("expected the row to be refused");
  return rebuilt;
}

const columnsOf = (failures: readonly RowFailure[]) => failures.map((failure) => failure.column);

describe("the row contract, column by column", () => {
  it("accepts the row save writes, and rebuilds the negotiation from it", () => {
    const input = negotiation("thread-1", ["send_offer", "receive_reply", "pause"]);
    const row = negotiationToRow(input, "2026-03-01T10:00:00Z");
    const rebuilt = rowToNegotiation(row);
    if (Array.isArray(rebuilt)) throw new Error(`refused: ${rebuilt[0]?.problem}`);
    expect(rebuilt.stateMachine.toSnapshot()).toEqual(input.stateMachine.toSnapshot());
    expect(rebuilt.stateMachine.prePauseState).toBe("counter_received");
    expect(rebuilt).toMatchObject({
      threadId: "thread-1",
      roundCount: 3,
      createdAt: "2026-03-01T10:00:00Z",
      updatedAt: "2026-03-01T10:00:00Z",
    });
  });

  it.each<[string, Partial<Record<keyof NegotiationStateRow, unknown>>, string, RegExp]>([
    [
      "an empty thread id",
      { thread_id: "" },
      "thread_id",
      /^thread_id: must be a non-empty string$/,
    ],
    ["a thread id with a lone surrogate", { thread_id: "a\uD800" }, "thread_id", /lone surrogate/],
    ["an unknown state", { state: "flying" }, "state", /^state: unknown state "flying"$/],
    [
      "a negative round count",
      { round_count: -1 },
      "round_count",
      /^round_count: must be a non-negative integer, got -1$/,
    ],
    ["a fractional round count", { round_count: 1.5 }, "round_count", /got 1\.5$/],
    ["a round count as text", { round_count: "3" }, "round_count", /got "3"$/],
    ["a context that is not JSON", { context_json: "{" }, "context_json", /not valid JSON/],
    [
      "a context stored as a number",
      { context_json: 7 },
      "context_json",
      /^context_json: expected JSON text, got the number 7$/,
    ],
    [
      "a campaign with a negative budget",
      { campaign_json: '{"budget": "-1"}' },
      "campaign_json",
      /^Invalid campaign/,
    ],
    ["a tracker that is not JSON", { cpm_tracker_json: "nope" }, "cpm_tracker_json", /JSON/],
    ["a history that is not JSON", { history_json: "[[" }, "history_json", /JSON/],
    [
      "a history with an illegal move",
      { state: "agreed", history_json: '[["initial_offer", "accept", "agreed"]]' },
      "history_json",
      /^history\[0\]: "accept" is not a transition from "initial_offer"$/,
    ],
    [
      "a state the history does not end in",
      { state: "stale" },
      "state",
      /^state: is "stale", but the history ends in "awaiting_reply"$/,
    ],
    [
      "a created_at in another form",
      { created_at: "2026-03-01 10:00:00" },
      "created_at",
      /^created_at: expected a UTC time as YYYY-MM-DDTHH:MM:SSZ, got "2026-03-01 10:00:00"$/,
    ],
    [
      "an updated_at that is not a date",
      { updated_at: "2026-02-30T10:00:00Z" },
      "updated_at",
      /^updated_at: "2026-02-30T10:00:00Z" is not a real date and time$/,
    ],
    ["a missing updated_at", { updated_at: undefined }, "updated_at", /got nothing$/],
  ])("refuses %s, naming the column", (_, change, column, problem) => {
    const failures = failuresOf({ ...validRow(), ...change });
    expect(columnsOf(failures)).toEqual([column]);
    const [failure] = failures as [RowFailure];
    expect(failure.threadId).toBe(change.thread_id ?? "thread-1");
    expect(failure.problem).toMatch(problem);
    expect(failure.cause).toBeInstanceOf(Error);
    expect((failure.cause as Error).message).toBe(failure.problem);
  });

  it("names every unreadable column of one row, in the table's column order", () => {
    const failures = failuresOf({
      ...validRow(),
      updated_at: "yesterday",
      history_json: '[["initial_offer", "send_offer", "stale"]]',
      round_count: -2,
      thread_id: "",
      campaign_json: "{}",
    });
    expect(columnsOf(failures)).toEqual([
      "thread_id",
      "state",
      "round_count",
      "campaign_json",
      "history_json",
      "updated_at",
    ]);
    expect(failures[1]?.problem).toBe(
      'state: is "awaiting_reply", but the history ends in "stale"',
    );
    expect(failures[3]?.cause).toBeInstanceOf(CampaignValidationError);
    const history = failures[4]?.cause as InvalidHistoryError;
    expect(history).toBeInstanceOf(InvalidHistoryError);
    expect(history.problems).toEqual([
      {
        index: 0,
        path: "history[0]",
        problem: '"send_offer" leads from "initial_offer" to "awaiting_reply", not to "stale"',
      },
    ]);
  });

  it("puts the history's problems on history_json and the state's on state, each with every problem", () => {
    const failures = failuresOf({
      ...validRow(),
      state: "counter_sent",
      history_json: JSON.stringify([
        ["initial_offer", "send_offer", "awaiting_reply"],
        ["awaiting_reply", "send_counter", "counter_sent"],
        ["stale", "receive_reply", "counter_received"],
      ]),
    });
    expect(columnsOf(failures)).toEqual(["state", "history_json"]);
    const [state, history] = failures.map((failure) => failure.cause as InvalidHistoryError);
    expect(state?.problems.map((problem) => problem.path)).toEqual(["state"]);
    expect(history?.problems.map((problem) => [problem.index, problem.path])).toEqual([
      [1, "history[1]"],
      [2, "history[2][0]"],
    ]);
    expect(failures[1]?.problem).toBe(
      'history[1]: "send_counter" is not a transition from "awaiting_reply"; history[2][0]: starts from "stale", but the entry before ends in "counter_sent"',
    );
  });

  it("still checks the state's name when the history cannot be read", () => {
    expect(columnsOf(failuresOf({ ...validRow(), state: "nowhere", history_json: "" }))).toEqual([
      "state",
      "history_json",
    ]);
  });

  it("keeps restoreNegotiationRows throwing one ValidationError for a row's first failure", () => {
    const row = { ...validRow(), round_count: -1, created_at: "now" };
    expect(() => restoreNegotiationRows([row])).toThrow(ValidationError);
    expect(() => restoreNegotiationRows([row])).toThrow(
      /^negotiation_state\["thread-1"\]\.round_count: round_count: must be a non-negative integer/,
    );
  });
});

describe("the row contract on save", () => {
  it("refuses a machine whose history does not hold together, and writes nothing", async () => {
    const adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
    await initNegotiationStateTable(adapter);
    const store = new NegotiationStateStore(adapter);
    // The pre-pause state given here is not the one the history's pause names.
    const machine = NegotiationStateMachine.fromSnapshot(
      "paused",
      [["initial_offer", "pause", "paused"]],
      "stale",
    );
    machine.resume();
    const error = await store
      .save(negotiation("odd", [], { stateMachine: machine }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidHistoryError);
    expect((error as InvalidHistoryError).path).toBe("history[1]");
    expect((error as InvalidHistoryError).problem).toBe(
      '"resume" leads from "paused" to "initial_offer" (the state before the pause), not to "stale"',
    );
    // A machine rebuilt in a state its history does not end in, then moved on.
    const moved = NegotiationStateMachine.fromSnapshot("counter_sent", [
      ["initial_offer", "send_offer", "awaiting_reply"],
    ]);
    moved.trigger("timeout");
    await expect(store.save(negotiation("moved", [], { stateMachine: moved }))).rejects.toThrow(
      'history[1][0]: starts from "counter_sent", but the entry before ends in "awaiting_reply"',
    );
    expect(await store.loadAll()).toEqual([]);
    await adapter.close();
  });

  it("writes timestamps in the one form it reads back", () => {
    for (const date of [
      "0000-01-01T00:00:00Z",
      "2026-03-01T10:00:00.999Z",
      "9999-12-31T23:59:59Z",
    ]) {
      const text = formatTimestamp(new Date(date));
      expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(timestampProblem(text)).toBeNull();
    }
  });
});

describe("the row contract agrees with the machine", () => {
  const STATES = Object.values(NegotiationState);
  const EVENTS = Object.values(NegotiationEvent);
  const walks = machineWalks(30);

  it("restores every row of a machine driven by random valid events, and refuses a changed entry at its index", async () => {
    await checkProperty(
      "rows of real machines restore; a changed entry is refused at its index",
      fc.property(
        walks.filter((machine) => machine.history.length > 0),
        fc.nat(),
        fc.constantFrom("from", "to", "event"),
        fc.nat(),
        (machine, where, kind, pick) => {
          const row = negotiationToRow(
            negotiation("walk", [], { stateMachine: machine }),
            "2026-03-01T10:00:00Z",
          );
          const rebuilt = rowToNegotiation(row);
          if (Array.isArray(rebuilt)) throw new Error(`refused: ${rebuilt[0]?.problem}`);
          expect(rebuilt.stateMachine.toSnapshot()).toEqual(machine.toSnapshot());

          const history = machine.history.map((entry) => [...entry] as string[]);
          const index = where % history.length;
          const entry = history[index] as string[];
          const place = { from: 0, event: 1, to: 2 }[kind];
          const names: readonly string[] = kind === "event" ? EVENTS : STATES;
          const others = names.filter((name) => name !== entry[place]);
          entry[place] = others[pick % others.length] as string;
          const changed = rowToNegotiation({ ...row, history_json: JSON.stringify(history) });
          const verdict = replayVerdict(machine.state, history);
          // A first entry may start anywhere: only a changed first `from` can be a move the
          // machine makes (or one that only a later entry shows wrong, as a resume does).
          if (!(index === 0 && kind === "from")) expect(verdict).toBe(index);
          if (verdict === null) {
            expect(Array.isArray(changed)).toBe(false);
            return;
          }
          if (!Array.isArray(changed)) throw new Error("a changed entry was accepted");
          const column = verdict === "state" ? "state" : "history_json";
          const cause = changed.find((failure) => failure.column === column)?.cause;
          expect(cause).toBeInstanceOf(InvalidHistoryError);
          expect((cause as InvalidHistoryError).problems[0]?.index).toBe(
            verdict === "state" ? null : verdict,
          );
        },
      ),
      500,
    );
  });
});

describe("the table's columns", () => {
  it("are the DDL's, in its order", () => {
    const declared = [...NEGOTIATION_STATE_DDL[0].matchAll(/^\s+(\w+) (?:TEXT|INTEGER)/gm)].map(
      (match) => match[1],
    );
    expect(declared).toEqual([...NEGOTIATION_STATE_COLUMNS]);
  });

  it("are what RestoreError names for a row put through the contract", () => {
    const error = new RestoreError(
      "negotiation_state",
      [],
      failuresOf({ ...validRow(), state: 3 }),
    );
    expect(error.path).toBe('negotiation_state["thread-1"].state');
  });
});

describe("the row contract on save, for machines it does not check again", () => {
  const walks = machineWalks(30);
  const NOW = "2026-03-01T10:00:00Z";
  const rowOf = (stateMachine: unknown) =>
    negotiationToRow(
      negotiation("thread-1", [], {
        stateMachine: stateMachine as NegotiationStateMachine,
      }),
      NOW,
    );
  /** A history whose second entry is no move of the machine. */
  const ILLEGAL = [
    ["initial_offer", "send_offer", "awaiting_reply"],
    ["awaiting_reply", "accept", "agreed"],
  ] as const;
  const refusedAt = (stateMachine: unknown, path: string) => {
    const error = thrownBy(() => rowOf(stateMachine));
    expect(error).toBeInstanceOf(InvalidHistoryError);
    expect((error as InvalidHistoryError).path).toBe(path);
  };

  it("writes for a machine its own events moved the row the full check writes", async () => {
    await checkProperty(
      "a machine's own row equals the row of its snapshot, checked",
      fc.property(walks, (machine) => {
        const checked = rowOf({ toSnapshot: () => machine.toSnapshot() });
        expect(rowOf(machine)).toStrictEqual(checked);
      }),
      300,
    );
  });

  it("still checks a machine-like object, a rebuilt machine, a subclass and an instance's own toSnapshot", () => {
    refusedAt(
      { toSnapshot: () => ({ state: "agreed", history: ILLEGAL, prePauseState: null }) },
      "history[1]",
    );
    // Rebuilt by fromSnapshot: a genuine instance holding whatever history it was given.
    const rebuilt = NegotiationStateMachine.fromSnapshot("agreed", ILLEGAL);
    refusedAt(rebuilt, "history[1]");
    expect(Object.getPrototypeOf(rebuilt)).toBe(NegotiationStateMachine.prototype);

    class Lying extends NegotiationStateMachine {
      override toSnapshot() {
        return { state: "agreed" as const, history: ILLEGAL, prePauseState: null };
      }
    }
    refusedAt(new Lying(), "history[1]");
    // A subclass that does not lie is checked, and saved.
    class Quiet extends NegotiationStateMachine {}
    const quiet = new Quiet();
    quiet.trigger("send_offer");
    expect(rowOf(quiet).history_json).toBe(JSON.stringify(quiet.history));

    const own = new NegotiationStateMachine();
    own.toSnapshot = () => ({ state: "agreed", history: ILLEGAL, prePauseState: null });
    refusedAt(own, "history[1]");
    // Names are checked too: a state no machine has.
    const named = new NegotiationStateMachine();
    named.toSnapshot = () => ({ state: "won" as never, history: [], prePauseState: null });
    expect(thrownBy(() => rowOf(named))).toBeInstanceOf(ValidationError);
    expect(thrownBy(() => rowOf({}))).toBeInstanceOf(ValidationError);
  });

  it("hands out entries that cannot be changed, so a machine's history stays its own", () => {
    const machine = new NegotiationStateMachine();
    machine.trigger("send_offer");
    machine.trigger("receive_reply");
    const [first] = machine.history as unknown as string[][];
    expect(() => {
      (first as string[])[1] = "accept";
    }).toThrow(TypeError);
    expect(JSON.parse(rowOf(machine).history_json)).toStrictEqual([
      ["initial_offer", "send_offer", "awaiting_reply"],
      ["awaiting_reply", "receive_reply", "counter_received"],
    ]);
  });
});
