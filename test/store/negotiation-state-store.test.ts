import { describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { CampaignCPMTracker } from "../../src/domain/campaign-cpm-tracker.js";
import { CampaignValidationError } from "../../src/domain/errors.js";
import { toMoney } from "../../src/domain/money.js";
import { NegotiationStateMachine } from "../../src/domain/negotiation-state-machine.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import {
  ContextSerializationError,
  RestoreError,
  type RowFailure,
} from "../../src/store/errors.js";
import {
  NegotiationStateStore,
  type RestoredNegotiation,
} from "../../src/store/negotiation-state-store.js";
import { initNegotiationStateTable } from "../../src/store/negotiation-state-table.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { campaignInput, negotiation, steppingClock } from "../support/negotiations.js";

async function openStore(clock = steppingClock("2026-03-01T10:00:00Z", 60)) {
  return openNegotiationStore({ persistence: memoryPersistence(), clock });
}

describe("NegotiationStateStore.save and loadActive", () => {
  it("stores every column in the on-disk format", async () => {
    const store = await openStore();
    await store.save(negotiation("thread-1", ["send_offer", "receive_reply"]));
    const [row] = await store.loadActive();
    expect(row).toEqual({
      thread_id: "thread-1",
      state: "counter_received",
      round_count: 2,
      context_json:
        '{"influencer_name":"Influencer of thread-1","next_cpm":"25.50","tags":["reel"]}',
      campaign_json: expect.stringMatching(
        /^\{"campaign_id":"camp-001","client_name":"Acme Corp","budget":"10000",/,
      ),
      cpm_tracker_json:
        '{"campaign_id":"camp-001","target_min_cpm":"20","target_max_cpm":"30","total_influencers":5,"agreements":[{"cpm":"25.5","engagement_rate":4.2}]}',
      history_json:
        '[["initial_offer","send_offer","awaiting_reply"],["awaiting_reply","receive_reply","counter_received"]]',
      created_at: "2026-03-01T10:00:00Z",
      updated_at: "2026-03-01T10:00:00Z",
    });
    expect(JSON.parse(row?.campaign_json ?? "")).toMatchObject({
      background: null,
      platform: "instagram",
    });
    await store.close();
  });

  it("keeps the first created_at and moves updated_at on every save", async () => {
    const store = await openStore(steppingClock("2026-03-01T10:00:00Z", 90));
    await store.save(negotiation("thread-1", []));
    await store.save(negotiation("thread-1", ["send_offer"]));
    await store.save(negotiation("thread-1", ["send_offer", "timeout"]));
    const rows = await store.loadActive();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      state: "stale",
      created_at: "2026-03-01T10:00:00Z",
      updated_at: "2026-03-01T10:03:00Z",
    });
    await store.close();
  });

  it("leaves agreed, rejected and stopped negotiations out of the active ones", async () => {
    const store = await openStore();
    await store.save(negotiation("active", ["send_offer"]));
    await store.save(negotiation("agreed", ["send_offer", "receive_reply", "accept"]));
    await store.save(negotiation("rejected", ["send_offer", "receive_reply", "reject"]));
    await store.save(negotiation("stopped", ["stop"]));
    await store.save(negotiation("paused", ["pause"]));
    const threads = (await store.loadActive()).map((row) => row.thread_id);
    expect(threads.sort()).toEqual(["active", "paused"]);
    await store.close();
  });

  it("stores thread ids literally, quotes and SQL included", async () => {
    const store = await openStore();
    const threadId = `<a@b>'; DROP TABLE negotiation_state; -- "ünï" 🌸`;
    await store.save(negotiation(threadId));
    expect((await store.loadActive()).map((row) => row.thread_id)).toEqual([threadId]);
    expect(await store.delete(threadId)).toBe(true);
    await store.close();
  });

  it("accepts the tracker in its toDict() form", async () => {
    const store = await openStore();
    const tracker = new CampaignCPMTracker("camp-001", "20", "30", 5);
    await store.save(negotiation("thread-1", [], { cpmTracker: tracker.toDict() }));
    const [restored] = await store.restoreActive();
    expect(restored?.cpmTracker.toDict()).toEqual(tracker.toDict());
    await store.close();
  });
});

describe("NegotiationStateStore refusals write nothing", () => {
  const cases: [
    string,
    Parameters<typeof negotiation>[2],
    RegExp,
    new (...args: never[]) => Error,
  ][] = [
    [
      "an empty thread id",
      { threadId: "" },
      /threadId: must be a non-empty string/,
      ValidationError,
    ],
    ["a non-string thread id", { threadId: 42 as unknown as string }, /threadId/, ValidationError],
    ["a fractional round count", { roundCount: 1.5 }, /roundCount/, ValidationError],
    ["a negative round count", { roundCount: -1 }, /roundCount/, ValidationError],
    [
      "a NaN in the context",
      { context: { offer: { amount: Number.NaN } } },
      /context\.offer\.amount/,
      ContextSerializationError,
    ],
    [
      "a campaign with a bad field",
      { campaign: campaignInput({ cpm_range: { min_cpm: "40", max_cpm: "30" } }) },
      /cpm_range/,
      CampaignValidationError,
    ],
    [
      "a tracker dict with a fractional money number",
      {
        cpmTracker: {
          campaign_id: "c",
          target_min_cpm: "1",
          target_max_cpm: "2",
          total_influencers: 1,
          agreements: [{ cpm: 0.1 as unknown as string, engagement_rate: null }],
        },
      },
      /agreements\[0\]\.cpm/,
      ValidationError,
    ],
    [
      "something that is not a state machine",
      { stateMachine: { state: "stale" } as unknown as NegotiationStateMachine },
      /stateMachine/,
      ValidationError,
    ],
  ];

  for (const [what, overrides, message, type] of cases) {
    it(`refuses ${what}, naming it, and writes nothing`, async () => {
      const store = await openStore();
      await store.save(negotiation("before"));
      const error = await store
        .save(negotiation("bad", ["send_offer"], overrides))
        .catch((caught) => caught);
      expect(error).toBeInstanceOf(type);
      expect(error.message).toMatch(message);
      expect((await store.loadActive()).map((row) => row.thread_id)).toEqual(["before"]);
      await store.close();
    });
  }

  it("refuses an overwrite without touching the stored row", async () => {
    const store = await openStore();
    await store.save(negotiation("thread-1"));
    const [before] = await store.loadActive();
    await expect(
      store.save(
        negotiation("thread-1", ["send_offer", "receive_reply"], { context: { f: () => 1 } }),
      ),
    ).rejects.toThrow(ContextSerializationError);
    expect(await store.loadActive()).toEqual([before]);
    await store.close();
  });
});

describe("NegotiationStateStore refuses a clock it cannot store", () => {
  /** A clock that gives each of `dates` in turn. */
  const clockOf =
    (...dates: unknown[]): (() => Date) =>
    () =>
      dates.shift() as Date;

  it.each([
    ["an invalid Date", new Date(Number.NaN), "the store's clock returned an invalid Date"],
    [
      "a Date in the year 10000",
      new Date("+010000-01-01T00:00:00Z"),
      "the store's clock returned +010000-01-01T00:00:00.000Z, in the year 10000",
    ],
    [
      "a Date in the year -1",
      new Date("-000001-12-31T23:59:59Z"),
      "the store's clock returned -000001-12-31T23:59:59.000Z, in the year -1",
    ],
    [
      "a number",
      Date.parse("2026-03-01T10:00:00Z"),
      "returned the number 1772359200000, not a Date",
    ],
    ["a date string", "2026-03-01T10:00:00Z", 'returned "2026-03-01T10:00:00Z", not a Date'],
  ])("refuses %s at path clock, writes nothing and stays open", async (_, given, message) => {
    const store = await openStore(clockOf(given, new Date("2026-03-01T10:00:00Z")));
    const error = await store.save(negotiation("thread-1")).catch((caught) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.path).toBe("clock");
    expect(error.message).toContain(message);
    expect(error.message).toContain("nothing was written");
    expect(await store.loadActive()).toEqual([]);
    await store.save(negotiation("thread-2"));
    expect((await store.loadActive()).map((row) => row.updated_at)).toEqual([
      "2026-03-01T10:00:00Z",
    ]);
    await store.close();
  });

  it("stores the first and the last second of the years 0000 to 9999", async () => {
    const store = await openStore(
      clockOf(new Date("0000-01-01T00:00:00Z"), new Date("9999-12-31T23:59:59.999Z")),
    );
    await store.save(negotiation("thread-1"));
    await store.save(negotiation("thread-1"));
    expect(await store.loadActive()).toMatchObject([
      { created_at: "0000-01-01T00:00:00Z", updated_at: "9999-12-31T23:59:59Z" },
    ]);
    await store.close();
  });
});

describe("NegotiationStateStore.restoreActive", () => {
  it("rebuilds every negotiation as domain objects, without replaying events", async () => {
    const store = await openStore();
    const saved = negotiation("thread-1", ["send_offer", "receive_reply", "send_counter", "pause"]);
    await store.save({
      ...saved,
      context: { next_cpm: toMoney("31.25", "next_cpm"), nested: { ok: true } },
    });
    const [restored] = await store.restoreActive();
    expect(restored?.threadId).toBe("thread-1");
    expect(restored?.stateMachine).toBeInstanceOf(NegotiationStateMachine);
    expect(restored?.stateMachine.toSnapshot()).toEqual(saved.stateMachine.toSnapshot());
    expect(restored?.stateMachine.prePauseState).toBe("counter_sent");
    expect(restored?.context).toEqual({ next_cpm: "31.25", nested: { ok: true } });
    expect(restored?.campaign.cpm_range.max_cpm.eq("30")).toBe(true);
    expect(restored?.cpmTracker).toBeInstanceOf(CampaignCPMTracker);
    expect(restored?.cpmTracker.runningAverageCpm?.eq("25.5")).toBe(true);
    expect(restored?.roundCount).toBe(4);
    expect(restored?.createdAt).toBe("2026-03-01T10:00:00Z");
    expect(restored?.updatedAt).toBe("2026-03-01T10:00:00Z");
    await store.close();
  });

  it("names the thread and column of a row it cannot read, and still gives the others", async () => {
    const adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
    await initNegotiationStateTable(adapter);
    const store = new NegotiationStateStore(adapter);
    await store.save(negotiation("broken"));
    await store.save(negotiation("fine"));
    await adapter.run("UPDATE negotiation_state SET campaign_json = ? WHERE thread_id = ?", [
      JSON.stringify({ ...campaignInput(), budget: "lots" }),
      "broken",
    ]);
    const error = await store.restoreActive().catch((caught) => caught);
    expect(error).toBeInstanceOf(RestoreError);
    expect(error.message).toMatch(/negotiation_state\["broken"\]\.campaign_json: .*budget/);
    expect(error.failures.map((f: RowFailure) => [f.threadId, f.column])).toEqual([
      ["broken", "campaign_json"],
    ]);
    expect(error.restored.map((n: RestoredNegotiation) => n.threadId)).toEqual(["fine"]);
    await adapter.close();
  });
});

describe("NegotiationStateStore.delete and close", () => {
  it("deletes one negotiation and tells whether it existed", async () => {
    const store = await openStore();
    await store.save(negotiation("keep"));
    await store.save(negotiation("drop"));
    expect(await store.delete("drop")).toBe(true);
    expect(await store.delete("drop")).toBe(false);
    expect((await store.loadActive()).map((row) => row.thread_id)).toEqual(["keep"]);
    await store.close();
  });

  it("closes idempotently, and then refuses to save", async () => {
    const store = await openStore();
    await Promise.all([store.close(), store.close()]);
    await expect(store.save(negotiation("late"))).rejects.toMatchObject({ code: "STORAGE_CLOSED" });
  });

  it("leaves open an adapter the caller passed, and closes one it opened", async () => {
    const adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
    await initNegotiationStateTable(adapter);
    await initNegotiationStateTable(adapter);
    const store = new NegotiationStateStore(adapter);
    await store.save(negotiation("thread-1"));
    await store.close();
    expect(await adapter.all("SELECT thread_id FROM negotiation_state")).toEqual([
      { thread_id: "thread-1" },
    ]);
    await adapter.close();

    const persistence = memoryPersistence();
    const owning = await openNegotiationStore({ persistence });
    await owning.close();
    // The persistence was released, so it can be opened again.
    await (await openNegotiationStore({ persistence })).close();
  });
});

describe("NegotiationStateStore.transaction", () => {
  it("saves a batch as one unit, which the transaction's reads already see", async () => {
    const store = await openStore();
    const seen = await store.transaction(async (tx) => {
      for (let i = 0; i < 500; i++) await tx.save(negotiation(`thread-${i}`));
      await tx.delete("thread-0");
      return (await tx.restoreActive()).length;
    });
    expect(seen).toBe(499);
    expect(await store.loadActive()).toHaveLength(499);
    await store.close();
  });

  it("writes nothing of a batch whose function throws, and rethrows", async () => {
    const store = await openStore();
    await store.save(negotiation("before"));
    await expect(
      store.transaction(async (tx) => {
        await tx.save(negotiation("in-batch-1"));
        await tx.delete("before");
        await tx.save(negotiation("in-batch-2", [], { roundCount: -1 }));
      }),
    ).rejects.toThrow(ValidationError);
    expect((await store.loadActive()).map((row) => row.thread_id)).toEqual(["before"]);
    await store.close();
  });

  it("lets concurrent saves all resolve, each with its own row", async () => {
    const store = await openStore();
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => store.save(negotiation(`thread-${i}`))),
    );
    expect(await store.loadActive()).toHaveLength(100);
    await store.close();
  });
});

describe("NegotiationStateStore.restoreActive with many rows of one campaign", () => {
  it("gives every negotiation a campaign of its own, equal to the stored one", async () => {
    const store = await openStore();
    await store.save(negotiation("a"));
    await store.save(negotiation("b"));
    const [a, b] = await store.restoreActive();
    expect(a?.campaign).toEqual(b?.campaign);
    expect(a?.campaign).not.toBe(b?.campaign);
    expect(a?.campaign.cpm_range).not.toBe(b?.campaign.cpm_range);
    expect(a?.campaign.cpm_range.max_cpm).not.toBe(b?.campaign.cpm_range.max_cpm);
    if (a) a.campaign.client_name = "changed";
    expect(b?.campaign.client_name).toBe("Acme Corp");
    await store.close();
  });
});
