import { execFile, execFileSync } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toMoney } from "../../src/domain/money.js";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import { decodeJournal } from "../../src/persistence/journal-codec.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { negotiation } from "../support/negotiations.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/python-service.db", import.meta.url));
const SAVE_AND_DIE = fileURLToPath(new URL("../support/save-and-die.mjs", import.meta.url));

let folder: string;
let file: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-store-"));
  file = join(folder, "negotiations.db");
});

afterEach(() => rm(folder, { recursive: true, force: true }));

function python(script: string, ...args: string[]): string {
  return execFileSync("python3", ["-c", script, ...args])
    .toString()
    .trim();
}

describe("a file store across processes", () => {
  for (const ending of ["kill", "exit"] as const) {
    it(`recovers every acknowledged save of a process that ended by ${ending} without close()`, async () => {
      const { stdout } = await promisify(execFile)(process.execPath, [
        SAVE_AND_DIE,
        file,
        "25",
        ending,
      ]).catch((error) => error);
      const acknowledged = stdout.trim().split("\n");
      expect(acknowledged).toHaveLength(25);

      // The dead process's lock is still there; it is taken over.
      const store = await openNegotiationStore({ persistence: filePersistence(file) });
      const restored = await store.restoreActive();
      expect(restored.map((n) => `acknowledged ${n.threadId}`).sort()).toEqual(acknowledged.sort());
      const thread7 = restored.find((n) => n.threadId === "thread-7");
      expect(thread7?.stateMachine.state).toBe("counter_received");
      expect(thread7?.context).toEqual({ next_cpm: "27.50", index: 7 });
      expect(thread7?.roundCount).toBe(7);
      await store.close();
    });
  }

  it("after close() leaves a file that Python's sqlite3 reads, with integrity_check ok", async () => {
    const store = await openNegotiationStore({ persistence: filePersistence(file) });
    await store.save(negotiation("thread-ü", ["send_offer", "receive_reply"]));
    await store.save(negotiation("thread-2", ["pause"]));
    await store.close();
    const report = python(
      `import sqlite3, sys, json
db = sqlite3.connect(sys.argv[1])
print(db.execute("PRAGMA integrity_check").fetchone()[0])
for thread, state, ctx, camp, tracker, history in db.execute(
    "SELECT thread_id, state, context_json, campaign_json, cpm_tracker_json, history_json FROM negotiation_state ORDER BY thread_id"):
    print(thread, state, json.loads(ctx)["next_cpm"], json.loads(camp)["cpm_range"]["max_cpm"],
          json.loads(tracker)["agreements"][0]["cpm"], len(json.loads(history)))`,
      file,
    );
    expect(report.split("\n")).toEqual([
      "ok",
      "thread-2 paused 25.50 30 25.5 1",
      "thread-ü counter_received 25.50 30 25.5 2",
    ]);
  });
});

describe("the Python service's database", () => {
  async function openFixture() {
    // Opening takes a lock file beside the database and may checkpoint it: use a copy.
    await copyFile(FIXTURE, file);
    return openNegotiationStore({ persistence: filePersistence(file) });
  }

  it("loads the seven active rows and leaves out the terminal ones", async () => {
    const store = await openFixture();
    const rows = await store.loadActive();
    expect(rows.map((row) => row.state).sort()).toEqual([
      "awaiting_reply",
      "counter_received",
      "counter_sent",
      "escalated",
      "initial_offer",
      "paused",
      "stale",
    ]);
    expect(Object.keys(rows[0] ?? {})).toEqual([
      "thread_id",
      "state",
      "round_count",
      "context_json",
      "campaign_json",
      "cpm_tracker_json",
      "history_json",
      "created_at",
      "updated_at",
    ]);
    await store.close();
  });

  it("restores every row exactly: paused state, decimals, non-ASCII text, timestamps", async () => {
    const store = await openFixture();
    const restored = await store.restoreActive();
    expect(restored).toHaveLength(7);
    const paused = restored.find((n) => n.threadId === "thread-paused");
    expect(paused?.stateMachine.prePauseState).toBe("counter_sent");
    expect(paused?.stateMachine.resume()).toBe("counter_sent");
    for (const { context, createdAt, updatedAt } of restored) {
      expect(toMoney(context.next_cpm, "next_cpm").eq("25.5")).toBe(true);
      expect(createdAt < updatedAt).toBe(true);
    }
    const full = restored.find((n) => n.threadId === "thread-initial_offer");
    expect(full?.campaign.influencers.map((influencer) => influencer.name)).toEqual([
      "Influencer A",
      "Zoë Ñandú 🌸",
    ]);
    expect(full?.campaign.budget_constraints?.campaign_budget.eq("25000")).toBe(true);
    expect(full?.cpmTracker.runningAverageCpm?.eq("23.75")).toBe(true);
    expect(full?.context.thread_subject).toBe('Re: Collab — "Spring" launch');
    expect(full?.createdAt).toBe("2026-02-19T18:16:12Z");
    await store.close();
  });

  it("writes back rows the Python service reads, keeping created_at", async () => {
    const store = await openFixture();
    const first = (await store.restoreActive()).find((n) => n.threadId === "thread-initial_offer");
    if (!first) throw new Error("the fixture has no thread-initial_offer");
    first.stateMachine.trigger("send_offer");
    await store.save({ ...first, roundCount: first.roundCount + 1 });
    await store.close();
    const row = python(
      `import sqlite3, sys, json
db = sqlite3.connect(sys.argv[1])
print(db.execute("PRAGMA integrity_check").fetchone()[0])
state, created, camp = db.execute("SELECT state, created_at, campaign_json FROM negotiation_state WHERE thread_id = 'thread-initial_offer'").fetchone()
print(state, created, json.loads(camp)["budget_constraints"]["campaign_budget"])`,
      file,
    );
    expect(row.split("\n")).toEqual(["ok", "awaiting_reply 2026-02-19T18:16:12Z 25000"]);
  });
});

describe("a file store's batches", () => {
  it("makes a batch of 500 negotiations one journal record, durable before it resolves", async () => {
    const store = await openNegotiationStore({ persistence: filePersistence(file) });
    const journal = `${file}.ns-journal`;
    const before = decodeJournal(await readFile(journal), journal).entries.length;
    await store.transaction(async (tx) => {
      for (let i = 0; i < 500; i++) await tx.save(negotiation(`thread-${i}`));
    });
    const { entries } = decodeJournal(await readFile(journal), journal);
    expect(entries.length - before).toBe(1);
    expect(entries.at(-1)?.statements).toHaveLength(500);
    await store.close();
    const reopened = await openNegotiationStore({ persistence: filePersistence(file) });
    expect(await reopened.loadActive()).toHaveLength(500);
    await reopened.close();
  });
});
