/**
 * `putRow` (DESIGN §3 Store, §4): a row written as it is given, for tools that copy rows.
 * The row contract checks it first; then its timestamps and JSON text are kept exactly, so
 * a row copied from the Python service's database is byte for byte the same.
 */
import { execFileSync } from "node:child_process";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidHistoryError } from "../../src/domain/errors.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import { RestoreError } from "../../src/store/errors.js";
import type { NegotiationStateRow } from "../../src/store/negotiation-state-table.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { campaignInput, pythonTrackerDict } from "../support/negotiations.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/python-service.db", import.meta.url));

/** A row as the Python service writes one: `json.dumps` spacing, `"25.50"` with its zero. */
const PYTHON_ROW: NegotiationStateRow = {
  thread_id: "<py-1@mail>",
  state: "counter_received",
  round_count: 1,
  context_json: '{"next_cpm": "25.50", "note": "Zo\\u00eb"}',
  campaign_json: JSON.stringify(campaignInput({ budget: "5000.00" }), null, 1),
  cpm_tracker_json: JSON.stringify(pythonTrackerDict),
  history_json:
    '[["initial_offer", "send_offer", "awaiting_reply"], ["awaiting_reply", "receive_reply", "counter_received"]]',
  created_at: "2026-02-19T18:16:12Z",
  updated_at: "2026-02-19T18:22:00Z",
};

describe("NegotiationStateStore.putRow", () => {
  it("writes the row as given, timestamps and JSON text included, and says whether it replaced one", async () => {
    const store = await openNegotiationStore({ persistence: memoryPersistence() });
    expect(await store.putRow(PYTHON_ROW)).toBe(false);
    expect(await store.loadAll()).toEqual([PYTHON_ROW]);
    const later = { ...PYTHON_ROW, round_count: 2, updated_at: "2026-02-20T08:00:00Z" };
    expect(await store.putRow(later)).toBe(true);
    expect(await store.loadAll()).toEqual([later]);
    const restored = await store.load(PYTHON_ROW.thread_id);
    expect(restored?.context).toEqual({ next_cpm: "25.50", note: "Zoë" });
    expect(restored?.campaign.budget.toFixed(2)).toBe("5000.00");
    await store.close();
  });

  it("ignores properties other than the table's columns", async () => {
    const store = await openNegotiationStore({ persistence: memoryPersistence() });
    await store.putRow({ ...PYTHON_ROW, extra: "ignored" } as NegotiationStateRow);
    expect(await store.loadAll()).toEqual([PYTHON_ROW]);
    await store.close();
  });

  it.each<[string, Partial<Record<keyof NegotiationStateRow, unknown>>, string[]]>([
    [
      "a history the machine could not have recorded",
      { history_json: '[["initial_offer", "receive_reply", "counter_received"]]' },
      ["history_json"],
    ],
    ["a state its history does not end in", { state: "stale" }, ["state"]],
    [
      "timestamps in another form",
      { created_at: "2026-02-19", updated_at: 5 },
      ["created_at", "updated_at"],
    ],
    [
      "an empty thread id and a negative round count",
      { thread_id: "", round_count: -1 },
      ["thread_id", "round_count"],
    ],
    [
      "a campaign that does not validate",
      { campaign_json: '{"campaign_id": "c"}' },
      ["campaign_json"],
    ],
  ])(
    "refuses %s, naming its thread and columns, and writes nothing",
    async (_, change, columns) => {
      const store = await openNegotiationStore({ persistence: memoryPersistence() });
      const row = { ...PYTHON_ROW, ...change } as NegotiationStateRow;
      const error = await store.putRow(row).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RestoreError);
      const { failures, restored, path } = error as RestoreError;
      expect(restored).toEqual([]);
      expect(failures.map((failure) => failure.column)).toEqual(columns);
      expect(failures.every((failure) => failure.threadId === row.thread_id)).toBe(true);
      expect(path).toBe(`negotiation_state[${JSON.stringify(row.thread_id)}].${columns[0]}`);
      expect(await store.loadAll()).toEqual([]);
      await store.close();
    },
  );

  it("refuses what is not a row", async () => {
    const store = await openNegotiationStore({ persistence: memoryPersistence() });
    for (const given of [null, "row", [PYTHON_ROW]]) {
      const error = await store
        .putRow(given as unknown as NegotiationStateRow)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).path).toBe("row");
    }
    await store.close();
  });

  it("names the history's problem with its index, for a tool to report", async () => {
    const store = await openNegotiationStore({ persistence: memoryPersistence() });
    const history = JSON.stringify([
      ["initial_offer", "send_offer", "awaiting_reply"],
      ["awaiting_reply", "pause", "paused"],
      ["paused", "resume", "counter_received"],
    ]);
    const error = (await store
      .putRow({ ...PYTHON_ROW, history_json: history })
      .catch((caught: unknown) => caught)) as RestoreError;
    const cause = error.failures[0]?.cause;
    expect(cause).toBeInstanceOf(InvalidHistoryError);
    expect((cause as InvalidHistoryError).problems).toEqual([
      {
        index: 2,
        path: "history[2]",
        problem:
          '"resume" leads from "paused" to "awaiting_reply" (the state before the pause), not to "counter_received"',
      },
    ]);
    await store.close();
  });

  it("inside a transaction, is written with it or not at all", async () => {
    const store = await openNegotiationStore({ persistence: memoryPersistence() });
    await expect(
      store.transaction(async (tx) => {
        expect(await tx.putRow(PYTHON_ROW)).toBe(false);
        expect(await tx.putRow(PYTHON_ROW)).toBe(true);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await store.loadAll()).toEqual([]);
    await store.transaction((tx) => tx.putRow(PYTHON_ROW));
    expect(await store.loadAll()).toEqual([PYTHON_ROW]);
    await store.close();
  });
});

describe("putRow copies a Python-written database row for row", () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), "put-row-"));
  });

  afterEach(() => rm(folder, { recursive: true, force: true }));

  // What python3's sqlite3 reads from a database: every row, every column, as stored.
  const DUMP = `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.row_factory = sqlite3.Row
print(json.dumps([dict(row) for row in db.execute("SELECT * FROM negotiation_state ORDER BY thread_id")]))
`;
  const dump = (file: string) =>
    JSON.parse(execFileSync("python3", ["-c", DUMP, file]).toString()) as unknown[];

  it("gives a file whose rows python3 reads exactly as it reads the Python service's", async () => {
    const source = join(folder, "python.db");
    await copyFile(FIXTURE, source);
    const target = join(folder, "copy.db");
    const from = await openNegotiationStore({
      persistence: filePersistence(source, { readOnly: true }),
    });
    const to = await openNegotiationStore({ persistence: filePersistence(target) });
    const rows = await from.loadAll();
    expect(rows).toHaveLength(10);
    expect(await from.restoreAll()).toHaveLength(10);
    await to.transaction(async (tx) => {
      for (const row of rows) expect(await tx.putRow(row)).toBe(false);
    });
    expect(await to.loadAll()).toEqual(rows);
    await from.close();
    await to.close();
    expect(dump(target)).toEqual(dump(source));
  });
});
