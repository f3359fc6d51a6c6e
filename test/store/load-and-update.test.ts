/**
 * `load`, `loadAll`, `restoreAll` and `update` (DESIGN §3 Store): one negotiation by its
 * thread in any state, every negotiation, and a read-change-write that no other call
 * interleaves with.
 */
import { describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import type { StorageAdapter } from "../../src/adapter/storage-adapter.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import { ContextSerializationError, RestoreError } from "../../src/store/errors.js";
import { NEGOTIATION_SQL } from "../../src/store/negotiation-state-sql.js";
import {
  NegotiationStateStore,
  type RestoredNegotiation,
} from "../../src/store/negotiation-state-store.js";
import {
  initNegotiationStateTable,
  NEGOTIATION_STATE_COLUMNS,
} from "../../src/store/negotiation-state-table.js";
import { negotiation, steppingClock } from "../support/negotiations.js";

async function openStore(): Promise<{ adapter: StorageAdapter; store: NegotiationStateStore }> {
  const adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
  await initNegotiationStateTable(adapter);
  const store = new NegotiationStateStore(adapter, {
    clock: steppingClock("2026-03-01T10:00:00Z", 60),
  });
  return { adapter, store };
}

/** Breaks a stored row's campaign with raw SQL, past every check of `save`. */
async function breakCampaign(adapter: StorageAdapter, threadId: string): Promise<void> {
  await adapter.run("UPDATE negotiation_state SET campaign_json = ? WHERE thread_id = ?", [
    '{"budget": "-1"}',
    threadId,
  ]);
}

const snapshot = (n: RestoredNegotiation | null) => n?.stateMachine.toSnapshot();

describe("NegotiationStateStore.load", () => {
  it("rebuilds one negotiation in any state, finished ones included, or gives null", async () => {
    const { adapter, store } = await openStore();
    const agreed = negotiation("agreed", ["send_offer", "receive_reply", "accept"]);
    await store.save(agreed);
    await store.save(negotiation("open"));
    const loaded = await store.load("agreed");
    expect(snapshot(loaded)).toEqual(agreed.stateMachine.toSnapshot());
    expect(loaded).toMatchObject({
      threadId: "agreed",
      roundCount: 3,
      createdAt: "2026-03-01T10:00:00Z",
      context: agreed.context,
    });
    expect(await store.load("missing")).toBeNull();
    await adapter.close();
  });

  it("looks the thread up in the primary key's index, never scanning the table", async () => {
    const { adapter } = await openStore();
    const plan = await adapter.all<{ detail: string }>(
      `EXPLAIN QUERY PLAN ${NEGOTIATION_SQL.selectOne}`,
      ["t"],
    );
    expect(plan.map((step) => step.detail)).toEqual([
      "SEARCH negotiation_state USING INDEX sqlite_autoindex_negotiation_state_1 (thread_id=?)",
    ]);
    await adapter.close();
  });

  it("reads only its own row: a broken row elsewhere does not stand in the way", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("broken"));
    await store.save(negotiation("fine"));
    await breakCampaign(adapter, "broken");
    expect((await store.load("fine"))?.threadId).toBe("fine");
    const error = await store.load("broken").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RestoreError);
    expect((error as RestoreError).restored).toEqual([]);
    expect((error as RestoreError).failures.map((f) => [f.threadId, f.column])).toEqual([
      ["broken", "campaign_json"],
    ]);
    expect((error as RestoreError).path).toBe('negotiation_state["broken"].campaign_json');
    await adapter.close();
  });

  it("refuses a thread id that could not be stored", async () => {
    const { adapter, store } = await openStore();
    await expect(store.load("")).rejects.toMatchObject({ path: "threadId" });
    await expect(store.load("\uFEFFx")).rejects.toThrow(ValidationError);
    await adapter.close();
  });
});

describe("NegotiationStateStore.loadAll and restoreAll", () => {
  it("give every negotiation, finished ones too, oldest first", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("c-stopped", ["stop"]));
    await store.save(negotiation("b-open"));
    await store.save(negotiation("a-agreed", ["send_offer", "receive_reply", "accept"]));
    // Same created_at as b-open: the thread id breaks the tie.
    await adapter.run("UPDATE negotiation_state SET created_at = ? WHERE thread_id = ?", [
      "2026-03-01T10:01:00Z",
      "a-agreed",
    ]);
    const rows = await store.loadAll();
    expect(rows.map((row) => [row.thread_id, row.state])).toEqual([
      ["c-stopped", "stopped"],
      ["a-agreed", "agreed"],
      ["b-open", "awaiting_reply"],
    ]);
    expect(Object.keys(rows[0] ?? {})).toEqual([...NEGOTIATION_STATE_COLUMNS]);
    const restored = await store.restoreAll();
    expect(restored.map((n) => n.threadId)).toEqual(["c-stopped", "a-agreed", "b-open"]);
    expect(await store.transaction((tx) => tx.restoreAll())).toHaveLength(3);
    await adapter.close();
  });

  it("names every row that cannot be rebuilt, in any state, and gives the others", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("done", ["send_offer", "receive_reply", "accept"]));
    await store.save(negotiation("open"));
    await breakCampaign(adapter, "done");
    const error = await store.restoreAll().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RestoreError);
    const { restored, failures } = error as RestoreError<RestoredNegotiation>;
    expect(restored.map((n) => n.threadId)).toEqual(["open"]);
    expect(failures.map((f) => [f.threadId, f.column])).toEqual([["done", "campaign_json"]]);
    // restoreActive does not read finished rows: it is not troubled.
    expect((await store.restoreActive()).map((n) => n.threadId)).toEqual(["open"]);
    await adapter.close();
  });
});

describe("NegotiationStateStore.update", () => {
  /** Moves a negotiation on by one event and one round. */
  const step = (current: RestoredNegotiation | null) => {
    if (current === null) throw new Error("no negotiation");
    const { state } = current.stateMachine;
    current.stateMachine.trigger(state === "counter_received" ? "send_counter" : "receive_reply");
    return { ...current, roundCount: current.roundCount + 1 };
  };

  it("saves what fn returns, from the negotiation as stored, and resolves with it as stored", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("t", ["send_offer"], { context: { note: "first" } }));
    const seen: (RestoredNegotiation | null)[] = [];
    const after = await store.update("t", (current) => {
      seen.push(current);
      const next = step(current);
      return { ...next, context: { note: "second" } };
    });
    expect(seen.map((n) => n?.stateMachine.state)).toEqual(["counter_received"]);
    expect(after?.stateMachine.state).toBe("counter_received");
    expect(after?.context).toEqual({ note: "second" });
    expect(after).toMatchObject({
      threadId: "t",
      roundCount: 2,
      createdAt: "2026-03-01T10:00:00Z",
      updatedAt: "2026-03-01T10:01:00Z",
    });
    expect(snapshot(await store.load("t"))).toEqual(snapshot(after));
    await adapter.close();
  });

  it("creates a negotiation that is not there, from null", async () => {
    const { adapter, store } = await openStore();
    const created = await store.update("new", (current) => {
      expect(current).toBeNull();
      const { threadId: _, ...input } = negotiation("new");
      return input;
    });
    expect(created?.stateMachine.state).toBe("awaiting_reply");
    expect((await store.loadAll()).map((row) => row.thread_id)).toEqual(["new"]);
    await adapter.close();
  });

  it("leaves the negotiation on null or undefined, and deletes it on { delete: true }", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("t"));
    const [before] = await store.loadAll();
    const left = await store.update("t", (current) => {
      // A change to `current` that fn does not return is not saved.
      current?.stateMachine.trigger("timeout");
      return null;
    });
    expect(left?.stateMachine.state).toBe("awaiting_reply");
    expect(await store.update("t", () => undefined)).toMatchObject({ threadId: "t" });
    expect(await store.loadAll()).toEqual([before]);
    expect(await store.update("missing", () => null)).toBeNull();
    expect(await store.update("t", () => ({ delete: true }))).toBeNull();
    expect(await store.loadAll()).toEqual([]);
    await adapter.close();
  });

  it("writes nothing when fn throws, and rejects with what it threw", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("t"));
    const [before] = await store.loadAll();
    const thrown = new Error("the model refused");
    await expect(
      store.update("t", async (current) => {
        await Promise.resolve();
        step(current);
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    expect(await store.loadAll()).toEqual([before]);
    await adapter.close();
  });

  it("writes nothing when the negotiation fn returns is refused, or is another thread's", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("t"));
    const [before] = await store.loadAll();
    await expect(
      store.update("t", (current) => ({ ...step(current), context: { bad: Number.NaN } })),
    ).rejects.toThrow(ContextSerializationError);
    const other = await store
      .update("t", (current) => ({ ...step(current), threadId: "u" }))
      .catch((caught: unknown) => caught);
    expect(other).toBeInstanceOf(ValidationError);
    expect((other as ValidationError).path).toBe("threadId");
    expect((other as ValidationError).problem).toBe('must be the updated thread "t", got "u"');
    expect(await store.loadAll()).toEqual([before]);
    await adapter.close();
  });

  it("does not call fn for a row that cannot be rebuilt, and rejects with the RestoreError", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("t"));
    await breakCampaign(adapter, "t");
    let called = false;
    const error = await store
      .update("t", () => {
        called = true;
        return null;
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RestoreError);
    expect(called).toBe(false);
    await adapter.close();
  });

  it("loses no change when 50 updates of one thread run at once", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("hot", ["send_offer"], { roundCount: 0 }));
    await Promise.all(Array.from({ length: 50 }, () => store.update("hot", step)));
    const hot = await store.load("hot");
    expect(hot?.stateMachine.history).toHaveLength(1 + 50);
    expect(hot?.roundCount).toBe(50);
    await adapter.close();
  });

  it("is needed: 50 load-then-save pairs of one thread at once lose changes", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("hot", ["send_offer"], { roundCount: 0 }));
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const next = step(await store.load("hot"));
        await store.save({ ...next, threadId: "hot" });
      }),
    );
    const hot = await store.load("hot");
    expect(hot?.roundCount).toBeLessThan(50);
    expect(hot?.stateMachine.history.length).toBeLessThan(1 + 50);
    await adapter.close();
  });

  it("inside a transaction is part of it: rolled back with it", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("t"));
    const [before] = await store.loadAll();
    await expect(
      store.transaction(async (tx) => {
        const after = await tx.update("t", step);
        expect(after?.roundCount).toBe(2);
        expect((await tx.load("t"))?.roundCount).toBe(2);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await store.loadAll()).toEqual([before]);
    await store.transaction((tx) => tx.update("t", step));
    expect((await store.load("t"))?.roundCount).toBe(2);
    await adapter.close();
  });
});

describe("loadRow", () => {
  it("reads one row as stored, in any state, unparsed; null for an unknown thread", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("thread-1"));
    await store.save(negotiation("thread-2"));
    // Text as another writer left it: loadRow gives it back as it is, even where it is not
    // a valid campaign.
    await breakCampaign(adapter, "thread-2");
    const [stored] = await adapter.all("SELECT * FROM negotiation_state WHERE thread_id = ?", [
      "thread-2",
    ]);
    expect(await store.loadRow("thread-2")).toEqual(stored);
    expect(Object.keys((await store.loadRow("thread-1")) ?? {})).toEqual([
      ...NEGOTIATION_STATE_COLUMNS,
    ]);
    expect(await store.loadRow("thread-3")).toBeNull();
    await expect(store.loadRow("")).rejects.toBeInstanceOf(ValidationError);
    await adapter.close();
  });
});
