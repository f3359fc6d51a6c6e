/**
 * `restoreActive()` when some rows cannot be rebuilt (DESIGN §3 Store): every row is tried,
 * the rows that were rebuilt come back on the error, and every other active row is named
 * by thread, column and problem. Nothing is dropped silently.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import type { StorageAdapter } from "../../src/adapter/storage-adapter.js";
import { CampaignValidationError } from "../../src/domain/errors.js";
import { NegotiationStateMachine } from "../../src/domain/negotiation-state-machine.js";
import { NegotiationError } from "../../src/errors/negotiation-error.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import { RestoreError, type RowFailure } from "../../src/store/errors.js";
import {
  NegotiationStateStore,
  type RestoredNegotiation,
  restoreNegotiationRows,
} from "../../src/store/negotiation-state-store.js";
import {
  initNegotiationStateTable,
  NEGOTIATION_STATE_DDL,
  type NegotiationStateRow,
} from "../../src/store/negotiation-state-table.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import {
  campaignInput,
  negotiation,
  pythonTrackerDict,
  steppingClock,
} from "../support/negotiations.js";

/** A row as the Python service writes one, in `awaiting_reply`. */
const RAW_ROW = {
  state: "awaiting_reply",
  round_count: 1,
  context_json: '{"next_cpm": "25.50"}',
  campaign_json: JSON.stringify(campaignInput()),
  cpm_tracker_json: JSON.stringify(pythonTrackerDict),
  history_json: '[["initial_offer", "send_offer", "awaiting_reply"]]',
};

const TRACKER_WITH_NEGATIVE_CPM = JSON.stringify({
  ...pythonTrackerDict,
  agreements: [{ cpm: "-25.50", engagement_rate: 4.2 }],
});

/** Inserts a row with raw SQL, past every check of `save`. */
async function insertRaw(
  adapter: StorageAdapter,
  threadId: string,
  createdAt: string,
  overrides: Partial<typeof RAW_ROW> = {},
): Promise<void> {
  const row = { ...RAW_ROW, ...overrides };
  await adapter.run(
    `INSERT INTO negotiation_state (thread_id, state, round_count, context_json, campaign_json,
       cpm_tracker_json, history_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      threadId,
      row.state,
      row.round_count,
      row.context_json,
      row.campaign_json,
      row.cpm_tracker_json,
      row.history_json,
      createdAt,
      createdAt,
    ],
  );
}

/** What a rebuilt negotiation holds, as plain data (its state machine has private fields). */
function portrait(n: RestoredNegotiation) {
  return {
    threadId: n.threadId,
    snapshot: n.stateMachine.toSnapshot(),
    context: n.context,
    campaign: n.campaign,
    tracker: n.cpmTracker.toDict(),
    roundCount: n.roundCount,
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
  };
}

async function rejection(promise: Promise<unknown>): Promise<RestoreError<RestoredNegotiation>> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RestoreError);
  return error as RestoreError<RestoredNegotiation>;
}

type ErrorClass = new (...args: never[]) => Error;

const failureRows = (failures: readonly RowFailure[]) =>
  failures.map((failure) => [failure.threadId, failure.column]);

describe("restoreActive with unreadable rows among good ones (raw SQL through the adapter)", () => {
  const good = [
    negotiation("good-1", ["send_offer"]),
    negotiation("good-2", ["send_offer", "receive_reply"], { context: { note: "second" } }),
    negotiation("good-3", ["send_offer", "receive_reply", "send_counter"]),
    negotiation("good-4", ["send_offer", "pause"]),
  ];
  /** The bad rows, oldest first, with the failures each must give, in column order. */
  const bad: [string, string, Partial<typeof RAW_ROW>, [string, RegExp, ErrorClass][]][] = [
    [
      "bad-budget",
      "2026-03-01T10:00:30Z",
      { campaign_json: JSON.stringify(campaignInput({ budget: "-5" })) },
      [
        [
          "campaign_json",
          /^Invalid campaign: budget: must not be negative/,
          CampaignValidationError,
        ],
      ],
    ],
    [
      "bad-created-at",
      "2026-03-01T10:01:30Z",
      { campaign_json: JSON.stringify(campaignInput({ created_at: "15/01/2026" })) },
      [
        [
          "campaign_json",
          /created_at: must be an ISO 8601 date.*"15\/01\/2026"/,
          CampaignValidationError,
        ],
      ],
    ],
    [
      "bad-history",
      "2026-03-01T10:01:40Z",
      { history_json: '[["initial_offer", "fly", "awaiting_reply"]]' },
      [["history_json", /^history\[0\]\[1\]: unknown event "fly"/, ValidationError]],
    ],
    [
      "bad-context",
      "2026-03-01T10:02:30Z",
      { context_json: '{"next_cpm": "25.50",' },
      [["context_json", /^context_json: is not valid JSON/, ValidationError]],
    ],
    [
      "bad-tracker",
      "2026-03-01T10:02:40Z",
      { cpm_tracker_json: TRACKER_WITH_NEGATIVE_CPM },
      [
        [
          "cpm_tracker_json",
          /^cpm_tracker\.agreements\[0\]\.cpm: must not be negative/,
          ValidationError,
        ],
      ],
    ],
    [
      "bad-twice",
      "2026-03-01T10:02:50Z",
      { context_json: "[1, 2]", cpm_tracker_json: TRACKER_WITH_NEGATIVE_CPM },
      [
        ["context_json", /^context_json: expected a JSON object, got an array/, ValidationError],
        ["cpm_tracker_json", /agreements\[0\]\.cpm: must not be negative/, ValidationError],
      ],
    ],
    [
      "bad-state",
      "2026-03-01T10:02:55Z",
      { state: "flying" },
      [["state", /^state: unknown state "flying"/, ValidationError]],
    ],
  ];

  let adapter: StorageAdapter;
  let store: NegotiationStateStore;

  beforeEach(async () => {
    adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
    await initNegotiationStateTable(adapter);
    // good-1..4 are saved at 10:00, 10:01, 10:02 and 10:03; the bad rows fall between them.
    store = new NegotiationStateStore(adapter, {
      clock: steppingClock("2026-03-01T10:00:00Z", 60),
    });
    for (const input of good) await store.save(input);
    for (const [threadId, createdAt, overrides] of bad) {
      await insertRaw(adapter, threadId, createdAt, overrides);
    }
    // A finished negotiation is not active: even unreadable, it is neither restored nor named.
    await insertRaw(adapter, "done-bad", "2026-03-01T09:00:00Z", {
      state: "agreed",
      context_json: "not json",
    });
  });

  afterEach(() => adapter.close());

  it("rejects with a RestoreError whose restored holds exactly the good negotiations, oldest first", async () => {
    const error = await rejection(store.restoreActive());
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toBeInstanceOf(NegotiationError);
    expect(error.code).toBe("RESTORE_INCOMPLETE");
    expect(error.name).toBe("RestoreError");
    expect(error.restored.map((n) => n.threadId)).toEqual(["good-1", "good-2", "good-3", "good-4"]);
    for (const [i, input] of good.entries()) {
      const restored = error.restored[i] as RestoredNegotiation;
      expect(restored.stateMachine).toBeInstanceOf(NegotiationStateMachine);
      expect(restored.stateMachine.toSnapshot()).toEqual(input.stateMachine.toSnapshot());
      expect(restored.context).toEqual(input.context);
      expect(restored.cpmTracker.toDict()).toEqual(
        (input.cpmTracker as { toDict(): unknown }).toDict(),
      );
      expect(restored.campaign.budget.eq("10000")).toBe(true);
      expect(restored.roundCount).toBe(input.roundCount);
    }
    expect(error.restored[3]?.stateMachine.prePauseState).toBe("awaiting_reply");

    // They are what restoreActive resolves to once the bad rows are gone.
    await adapter.run("DELETE FROM negotiation_state WHERE thread_id LIKE 'bad-%'");
    const alone = await store.restoreActive();
    expect(error.restored.map(portrait)).toEqual(alone.map(portrait));
  });

  it("names every bad row by thread, column and problem, each unreadable column once", async () => {
    const error = await rejection(store.restoreActive());
    const expected = bad.flatMap(([threadId, , , columns]) =>
      columns.map(([column]) => [threadId, column]),
    );
    expect(failureRows(error.failures)).toEqual(expected);
    const checks = bad.flatMap(([, , , columns]) => columns);
    for (const [i, failure] of error.failures.entries()) {
      const [, problem, type] = checks[i] as [string, RegExp, ErrorClass];
      expect(failure.problem).toMatch(problem);
      expect(failure.problem).not.toContain("negotiation_state[");
      expect(failure.cause).toBeInstanceOf(type);
      expect((failure.cause as Error).message).toBe(failure.problem);
    }
    expect(error.path).toBe('negotiation_state["bad-budget"].campaign_json');
  });

  it("drops nothing silently: every active row is restored or named, never both", async () => {
    const error = await rejection(store.restoreActive());
    const active = (await store.loadActive()).map((row) => row.thread_id);
    const restored = error.restored.map((n) => n.threadId);
    const failed = [...new Set(error.failures.map((failure) => failure.threadId))];
    expect([...restored, ...failed].sort()).toEqual([...active].sort());
    expect(restored.filter((threadId) => failed.includes(threadId))).toEqual([]);
    expect(failed).not.toContain("done-bad");
  });

  it("says in its message how many rows failed, and names each thread and column", async () => {
    const error = await rejection(store.restoreActive());
    expect(error.message).toMatch(
      /^7 of 11 rows of negotiation_state cannot be rebuilt \(4 were\): negotiation_state\["bad-budget"\]\.campaign_json: Invalid campaign: budget/,
    );
    for (const failure of error.failures) {
      expect(error.message).toContain(
        `negotiation_state[${JSON.stringify(failure.threadId)}].${failure.column}: ${failure.problem}`,
      );
    }
    expect(error.message).not.toContain("more");
  });

  it("behaves the same inside a transaction", async () => {
    const outside = await rejection(store.restoreActive());
    const inside = await store.transaction(async (tx) => rejection(tx.restoreActive()));
    expect(inside.restored.map(portrait)).toEqual(outside.restored.map(portrait));
    expect(failureRows(inside.failures)).toEqual(failureRows(outside.failures));
    expect(inside.message).toBe(outside.message);
  });

  it("keeps restoreNegotiationRows throwing one ValidationError for the first bad row", async () => {
    const rows = await store.loadActive();
    const first = await Promise.resolve()
      .then(() => restoreNegotiationRows(rows))
      .catch((caught: unknown) => caught);
    expect(first).toBeInstanceOf(ValidationError);
    expect(first).not.toBeInstanceOf(RestoreError);
    expect((first as ValidationError).path).toBe('negotiation_state["bad-budget"].campaign_json');
    expect((first as ValidationError).message).toMatch(
      /^negotiation_state\["bad-budget"\]\.campaign_json: Invalid campaign: budget: must not be negative/,
    );
    expect((first as ValidationError).cause).toBeInstanceOf(CampaignValidationError);

    // One row at a time, as the command line reads them: its first unreadable column.
    const twice = rows.find((row) => row.thread_id === "bad-twice") as NegotiationStateRow;
    expect(() => restoreNegotiationRows([twice])).toThrow(
      /^negotiation_state\["bad-twice"\]\.context_json: context_json: expected a JSON object/,
    );
    const good1 = rows.find((row) => row.thread_id === "good-1") as NegotiationStateRow;
    expect(restoreNegotiationRows([good1]).map((n) => n.threadId)).toEqual(["good-1"]);
  });
});

describe("restoreActive on rows that all read", () => {
  it("resolves to the negotiations, as before", async () => {
    const store = await openNegotiationStore({ persistence: memoryPersistence() });
    await store.save(negotiation("a"));
    await store.save(negotiation("b", ["send_offer", "receive_reply"]));
    const restored = await store.restoreActive();
    expect(restored.map((n) => [n.threadId, n.stateMachine.state])).toEqual([
      ["a", "awaiting_reply"],
      ["b", "counter_received"],
    ]);
    expect(await store.transaction((tx) => tx.restoreActive())).toHaveLength(2);
    await store.close();
  });
});

describe("restoreActive with many unreadable rows", () => {
  it("parses a bad campaign once for all its rows, and lists 10 failures then counts the rest", async () => {
    const adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
    await initNegotiationStateTable(adapter);
    const store = new NegotiationStateStore(adapter);
    const campaign_json = JSON.stringify(campaignInput({ budget: "-1" }));
    for (let i = 0; i < 25; i++) {
      const threadId = `bad-${String(i).padStart(2, "0")}`;
      await insertRaw(adapter, threadId, "2026-03-01T10:00:00Z", { campaign_json });
    }
    await insertRaw(adapter, "good", "2026-03-01T11:00:00Z");

    const error = await rejection(store.restoreActive());
    expect(error.restored.map((n) => n.threadId)).toEqual(["good"]);
    expect(error.failures).toHaveLength(25);
    const [first] = error.failures;
    // One parse for the campaign's 25 rows: they share its error.
    for (const failure of error.failures) expect(failure.cause).toBe(first?.cause);
    expect(error.message).toMatch(
      /^25 of 26 rows of negotiation_state cannot be rebuilt \(1 was\): /,
    );
    expect(error.message.match(/negotiation_state\["bad-\d\d"\]/g)).toHaveLength(10);
    expect(error.message).toMatch(
      /negotiation_state\["bad-09"\]\.campaign_json: [^;]+; and 15 more$/,
    );
    await adapter.close();
  });
});

describe("restoreActive on a database the Python service wrote (python3 sqlite3)", () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), "restore-active-failures-"));
  });

  afterEach(() => rm(folder, { recursive: true, force: true }));

  // Writes rows as the Python service does (json.dumps), damages five active ones in five
  // ways, and prints what Python reads from the others: the expected restore.
  const WRITE_AND_DAMAGE = `
import json, sqlite3, sys
from decimal import Decimal

db = sqlite3.connect(sys.argv[1])
for statement in json.loads(sys.argv[2]):
    db.execute(statement)

campaign = {"campaign_id": "camp-py", "client_name": "Globex", "budget": "5000.00",
            "target_deliverables": "1 Reel", "cpm_range": {"min_cpm": "18.50", "max_cpm": "27.25"},
            "created_at": "2026-01-15T12:00:00Z"}
tracker = {"campaign_id": "camp-py", "target_min_cpm": "18.50", "target_max_cpm": "27.25",
           "total_influencers": 3, "agreements": [{"cpm": "20.10", "engagement_rate": 3.5}]}
paths = {
    "initial_offer": [],
    "awaiting_reply": [["initial_offer", "send_offer", "awaiting_reply"]],
    "counter_received": [["initial_offer", "send_offer", "awaiting_reply"],
                         ["awaiting_reply", "receive_reply", "counter_received"]],
    "agreed": [["initial_offer", "send_offer", "awaiting_reply"],
               ["awaiting_reply", "receive_reply", "counter_received"],
               ["counter_received", "accept", "agreed"]],
}
rows = []
for i in range(12):
    state = ["initial_offer", "awaiting_reply", "counter_received", "agreed"][i % 4]
    rows.append({"thread_id": "py-%02d" % i, "state": state, "round_count": i,
                 "context": {"next_cpm": "2%d.50" % (i % 10), "round": i, "note": "Zoë 🌸"},
                 "campaign": dict(campaign), "tracker": json.loads(json.dumps(tracker)),
                 "history": paths[state], "created_at": "2026-02-01T09:%02d:00Z" % (59 - i)})

bad = {}
rows[0]["campaign"]["budget"] = "-5000.00"; bad[rows[0]["thread_id"]] = "campaign_json"
rows[1]["campaign"]["created_at"] = "15 January 2026"; bad[rows[1]["thread_id"]] = "campaign_json"
rows[5]["history"] = [["initial_offer", "send_offer", "nowhere"]]; bad[rows[5]["thread_id"]] = "history_json"
rows[6]["tracker"]["agreements"][0]["cpm"] = "-20.10"; bad[rows[6]["thread_id"]] = "cpm_tracker_json"

for row in rows:
    db.execute("INSERT INTO negotiation_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (row["thread_id"], row["state"], row["round_count"], json.dumps(row["context"]),
                json.dumps(row["campaign"]), json.dumps(row["tracker"]),
                json.dumps(row["history"]), row["created_at"], row["created_at"]))
db.execute("UPDATE negotiation_state SET context_json = ? WHERE thread_id = ?",
           ('{"next_cpm": "29.50", "round": ', rows[9]["thread_id"]))
bad[rows[9]["thread_id"]] = "context_json"
db.commit()

plain = lambda text: format(Decimal(text).normalize(), "f")
good = []
for thread, state, context, camp, track, history, created in db.execute(
        "SELECT thread_id, state, context_json, campaign_json, cpm_tracker_json, history_json, created_at "
        "FROM negotiation_state WHERE state NOT IN ('agreed', 'rejected', 'stopped') "
        "ORDER BY created_at, thread_id"):
    if thread in bad:
        continue
    good.append({"threadId": thread, "state": state, "history": json.loads(history),
                 "context": json.loads(context), "budget": plain(json.loads(camp)["budget"]),
                 "cpms": [plain(a["cpm"]) for a in json.loads(track)["agreements"]],
                 "createdAt": created})
print(json.dumps({"bad": bad, "good": good}))
`;

  it("restores the rows Python reads and names the five it damaged", async () => {
    const file = join(folder, "negotiations.db");
    const expected = JSON.parse(
      execFileSync("python3", [
        "-c",
        WRITE_AND_DAMAGE,
        file,
        JSON.stringify(NEGOTIATION_STATE_DDL),
      ]).toString(),
    ) as { bad: Record<string, string>; good: Record<string, unknown>[] };
    expect(Object.keys(expected.bad)).toHaveLength(5);

    const store = await openNegotiationStore({ persistence: filePersistence(file) });
    const error = await rejection(store.restoreActive());
    await store.close();

    expect(
      Object.fromEntries(error.failures.map((failure) => [failure.threadId, failure.column])),
    ).toEqual(expected.bad);
    expect(error.failures).toHaveLength(5);
    for (const failure of error.failures) expect(failure.problem).not.toBe("");
    expect(
      error.restored.map((n) => ({
        threadId: n.threadId,
        state: n.stateMachine.state,
        history: n.stateMachine.history,
        context: n.context,
        budget: n.campaign.budget.toFixed(),
        cpms: n.cpmTracker.agreements.map((agreement) => agreement.cpm.toFixed()),
        createdAt: n.createdAt,
      })),
    ).toEqual(expected.good);
    expect(error.restored).toHaveLength(4);
  });
});
