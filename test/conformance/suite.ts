import type * as Api from "../../src/index.js";
import { assertEqual, assertRejects, assertTrue } from "./assertions.js";
import type { Place, PlaceOptions, Target } from "./targets.js";

/*
 * The store contract, persistence round trips and crash-style reopen, written once and run
 * unchanged by every runtime: vitest under Node and Bun, `deno test`, and vitest's browser
 * mode in Chromium, each against the sources and against the built package.
 */

/** How a runner registers one test. */
export interface Harness {
  test(name: string, body: () => Promise<void>): void;
}

type PackageApi = typeof Api;
type NegotiationEvent = Api.NegotiationEvent;

/**
 * Registers the conformance tests of `api` on each target.
 *
 * @param harness - The runner's way to declare a test.
 * @param subject - A label for the code under test (`src`, `dist`).
 * @param api - The package's main entry, from the sources or the build.
 * @param targets - The persistence targets this runtime has.
 */
export function defineConformanceSuite(
  harness: Harness,
  subject: string,
  api: PackageApi,
  targets: readonly Target[],
): void {
  for (const target of targets) {
    const test = (name: string, body: (place: Place) => Promise<void>) =>
      harness.test(`${subject} · ${target.name} · ${name}`, async () => {
        const place = await target.fresh();
        try {
          await body(place);
        } finally {
          await place.dispose?.();
        }
      });
    const open = (place: Place, options?: PlaceOptions) => place.open(options);

    test("saves a negotiation and restores it exactly", async (place) => {
      const store = await open(place);
      const input = negotiation(api, "<thread-1@mail>", [
        "send_offer",
        "receive_reply",
        "send_counter",
      ]);
      await store.save(input);

      const [row, ...otherRows] = await store.loadActive();
      assertEqual(otherRows.length, 0, "other rows");
      assertEqual(row?.thread_id, "<thread-1@mail>", "row thread_id");
      assertEqual(row?.state, "counter_sent", "row state");
      assertEqual(row?.round_count, 3, "row round_count");
      assertEqual(JSON.parse(row?.context_json ?? "null"), input.context, "row context_json");

      const [restored] = await store.restoreActive();
      assertTrue(restored !== undefined, "a negotiation is restored");
      const { createdAt, updatedAt, ...saved } = portrait(api, restored as Api.RestoredNegotiation);
      assertEqual(saved, expected(api, input), "restored");
      assertTrue(createdAt === updatedAt && !Number.isNaN(Date.parse(createdAt)), "timestamps");
      const { maxAllowedCpm } = (restored as Api.RestoredNegotiation).cpmTracker.getFlexibility(
        4.2,
      );
      const inputTracker = input.cpmTracker as Api.CampaignCPMTracker;
      assertEqual(
        maxAllowedCpm.toString(),
        inputTracker.getFlexibility(4.2).maxAllowedCpm.toString(),
        "max allowed CPM",
      );
      await store.close();
    });

    test("lists unfinished negotiations only; the last save wins; delete removes", async (place) => {
      const store = await open(place);
      await store.save(negotiation(api, "open", ["send_offer"]));
      await store.save(negotiation(api, "open", ["send_offer", "receive_reply"]));
      await store.save(negotiation(api, "agreed", ["send_offer", "receive_reply", "accept"]));
      await store.save(negotiation(api, "stopped", ["stop"]));

      const active = await store.restoreActive();
      assertEqual(
        active.map((n) => [n.threadId, n.stateMachine.state, n.roundCount]),
        [["open", "counter_received", 2]],
        "active negotiations",
      );
      assertEqual(await store.delete("open"), true, "first delete");
      assertEqual(await store.delete("open"), false, "second delete");
      assertEqual(await store.loadActive(), [], "active after delete");
      await store.close();
    });

    test("refuses bad input with named errors and writes nothing", async (place) => {
      const store = await open(place);
      const valid = negotiation(api, "bad-input", ["send_offer"]);
      let transitionError: unknown;
      try {
        new api.NegotiationStateMachine().trigger("accept");
      } catch (error) {
        transitionError = error;
      }
      assertTrue(
        api.isNegotiationError(transitionError, "INVALID_TRANSITION"),
        "accept from initial_offer",
      );
      await assertRejects(
        store.save({ ...valid, threadId: "" }),
        "INVALID_INPUT",
        "threadId",
        "empty thread id",
      );
      await assertRejects(
        store.save({ ...valid, context: { reply: { score: Number.NaN } } }),
        "CONTEXT_NOT_SERIALIZABLE",
        "reply.score",
        "NaN in the context",
      );
      await assertRejects(
        store.save({ ...valid, campaign: { ...campaignInput, budget: "-5" } }),
        "INVALID_CAMPAIGN",
        "budget",
        "a negative budget",
      );
      assertEqual(await store.loadActive(), [], "rows after refusals");
      await store.close();
    });

    test("every acknowledged change survives close and reopen", async (place) => {
      const store = await open(place);
      await Promise.all(range(20).map((i) => store.save(negotiation(api, `concurrent-${i}`))));
      await store.transaction(async (tx) => {
        for (const i of range(10))
          await tx.save(negotiation(api, `batch-${i}`, ["send_offer", "timeout"]));
      });
      for (const round of range(5)) {
        await store.save(
          negotiation(api, "hot", ["send_offer"], { roundCount: round, context: { round } }),
        );
      }
      for (const i of range(3)) await store.delete(`concurrent-${i}`);
      const before = (await store.restoreActive()).map((n) => portrait(api, n));
      assertEqual(before.length, 17 + 10 + 1, "active before close");
      await store.close();

      const reopened = await open(place);
      const after = (await reopened.restoreActive()).map((n) => portrait(api, n));
      assertEqual(after, before, "active after reopen");
      await reopened.close();
    });

    if (target.forwardsToWriter) {
      test("a second store forwards to the writer, hears its changes, and takes over when it closes", async (place) => {
        const writer = await open(place);
        await writer.save(negotiation(api, "held"));
        const follower = await open(place);
        const heard: Api.NegotiationChange[] = [];
        follower.subscribe((change) => heard.push(change));
        await writer.save(negotiation(api, "from-writer", ["send_offer", "receive_reply"]));
        await follower.save(negotiation(api, "from-follower"));
        assertEqual(
          (await writer.loadActive()).map((row) => row.thread_id).sort(),
          ["from-follower", "from-writer", "held"],
          "the writer sees the follower's save",
        );
        const restored = await follower.load("from-writer");
        assertEqual(restored?.stateMachine.state, "counter_received", "the follower's load");
        assertTrue(restored?.cpmTracker instanceof api.CampaignCPMTracker, "rebuilt objects");
        assertEqual(
          heard,
          [
            { threadId: "from-writer", state: "counter_received", kind: "save" },
            { threadId: "from-follower", state: "awaiting_reply", kind: "save" },
          ],
          "the follower hears both contexts' changes",
        );
        await writer.close();
        await follower.save(negotiation(api, "after-handover"));
        assertEqual(
          (await follower.loadActive()).map((row) => row.thread_id).sort(),
          ["after-handover", "from-follower", "from-writer", "held"],
          "the follower took over from what was durable",
        );
        await follower.close();
      });
    } else if (target.exclusiveWriter) {
      test("a second writer is refused while the database is open", async (place) => {
        const first = await open(place);
        await first.save(negotiation(api, "held"));
        await assertRejects(open(place), "DATABASE_LOCKED", "locked", "second open");
        await first.close();
        const second = await open(place);
        assertEqual(
          (await second.loadActive()).map((row) => row.thread_id),
          ["held"],
          "after handover",
        );
        await second.close();
      });
    } else {
      test("several stores write one database side by side and see each other's rows", async (place) => {
        const [first, second] = await Promise.all([open(place), open(place)]);
        await Promise.all([
          first.save(negotiation(api, "from-first")),
          second.save(negotiation(api, "from-second")),
        ]);
        for (const [store, which] of [
          [first, "first"],
          [second, "second"],
        ] as const) {
          assertEqual(
            (await store.loadActive()).map((row) => row.thread_id).sort(),
            ["from-first", "from-second"],
            `rows the ${which} store sees`,
          );
        }
        await Promise.all([first.close(), second.close()]);
      });
    }

    if (target.journal) {
      test("a journal past its threshold is folded into the snapshot", async (place) => {
        const store = await open(place, { checkpointBytes: 4096 });
        for (const i of range(40))
          await store.save(negotiation(api, `folded-${i % 7}`, ["send_offer"], { roundCount: i }));
        const before = (await store.restoreActive()).map((n) => portrait(api, n));
        const crashed = target.durable ? await crashCopy(place) : undefined;
        await store.close();

        for (const reopenedPlace of crashed ? [place, crashed] : [place]) {
          const reopened = await open(reopenedPlace);
          const after = (await reopened.restoreActive()).map((n) => portrait(api, n));
          assertEqual(after, before, "active after reopen");
          await reopened.close();
        }
      });
    }

    test("load gives one negotiation in any state by its thread, or null", async (place) => {
      const store = await open(place);
      const agreed = negotiation(api, "agreed", ["send_offer", "receive_reply", "accept"]);
      await store.save(agreed);
      await store.save(negotiation(api, "open"));
      const loaded = await store.load("agreed");
      assertTrue(loaded !== null, "a finished negotiation is loaded");
      const { createdAt, updatedAt, ...saved } = portrait(api, loaded as Api.RestoredNegotiation);
      assertEqual(saved, expected(api, agreed), "loaded");
      assertTrue(createdAt === updatedAt && !Number.isNaN(Date.parse(createdAt)), "timestamps");
      assertEqual(await store.load("missing"), null, "a thread with no negotiation");
      await assertRejects(store.load(""), "INVALID_INPUT", "threadId", "an empty thread id");
      await store.close();
    });

    test("update reads, changes and writes one thread as one unit: 50 at once lose nothing", async (place) => {
      const store = await open(place);
      await store.save(negotiation(api, "hot", ["send_offer"], { roundCount: 0 }));
      await Promise.all(range(50).map(() => store.update("hot", step)));
      const hot = await store.load("hot");
      assertEqual(hot?.stateMachine.history.length, 51, "history entries after 50 updates");
      assertEqual(hot?.roundCount, 50, "round count after 50 updates");
      let thrown: unknown;
      await store
        .update("hot", (current) => {
          step(current);
          throw new Error("fn failed");
        })
        .catch((error: unknown) => {
          thrown = error;
        });
      assertEqual(
        (thrown as Error | undefined)?.message,
        "fn failed",
        "update rejects with fn's error",
      );
      assertEqual(
        (await store.update("hot", () => null))?.roundCount,
        50,
        "null leaves it as stored",
      );
      const created = await store.update("cold", (current) => {
        assertEqual(current, null, "a thread with no negotiation");
        const { threadId: _, ...input } = negotiation(api, "cold");
        return input;
      });
      assertEqual(created?.stateMachine.state, "awaiting_reply", "created by update");
      assertEqual(await store.update("cold", () => ({ delete: true })), null, "deleted by update");
      const before = portrait(api, (await store.load("hot")) as Api.RestoredNegotiation);
      await store.close();

      const reopened = await open(place);
      const after = await reopened.load("hot");
      assertEqual(after && portrait(api, after), before, "updated negotiation after reopen");
      assertEqual(await reopened.load("cold"), null, "deleted negotiation after reopen");
      await reopened.close();
    });

    test("two updates of one thread at once both apply: the second sees the first", async (place) => {
      const [one, two, close] = await replicas(target, place);
      await one.save(negotiation(api, "shared", ["send_offer"], { context: {} }));
      const results = await Promise.all([
        one.update("shared", (current) => advance(current, "a")),
        two.update("shared", (current) => advance(current, "b")),
      ]);
      assertEqual(
        results.map((result) => result?.roundCount).sort(),
        [2, 3],
        "round counts the updates resolved with",
      );
      assertAdvancedInTurn(await one.load("shared"));
      await close();
    });

    test("a thread two updates create at once is created once, with both changes in turn", async (place) => {
      const [one, two, close] = await replicas(target, place);
      // A new negotiation for each call: `fn` may run again, and must only compute.
      const createOrAdvance = (label: string) => (current: Api.RestoredNegotiation | null) => {
        const { threadId: _, ...created } = negotiation(api, "racing", ["send_offer"], {
          context: {},
        });
        return advance(current ?? created, label);
      };
      await Promise.all([
        one.update("racing", createOrAdvance("a")),
        two.update("racing", createOrAdvance("b")),
      ]);
      assertEqual(
        (await one.loadAll()).map((row) => row.thread_id),
        ["racing"],
        "rows after both updates",
      );
      assertAdvancedInTurn(await one.load("racing"));
      await close();
    });

    test("loadAll and restoreAll give every negotiation, finished ones too, oldest first", async (place) => {
      const store = await open(place);
      await store.putRow(pythonRow("b-open", "2026-02-19T18:16:12Z"));
      await store.putRow(
        pythonRow("c-agreed", "2026-02-19T18:10:00Z", {
          state: "agreed",
          history_json:
            '[["initial_offer", "send_offer", "awaiting_reply"], ["awaiting_reply", "receive_reply", "counter_received"], ["counter_received", "accept", "agreed"]]',
        }),
      );
      await store.putRow(pythonRow("a-open", "2026-02-19T18:16:12Z"));
      assertEqual(
        (await store.loadAll()).map((row) => row.thread_id),
        ["c-agreed", "a-open", "b-open"],
        "rows, oldest first",
      );
      assertEqual(
        (await store.restoreAll()).map((n) => [n.threadId, n.stateMachine.state]),
        [
          ["c-agreed", "agreed"],
          ["a-open", "awaiting_reply"],
          ["b-open", "awaiting_reply"],
        ],
        "every negotiation rebuilt",
      );
      assertEqual((await store.restoreActive()).length, 2, "the unfinished ones");
      await store.close();
    });

    test("subscribers hear each durable change once, in commit order, and none rolled back", async (place) => {
      const store = await open(place);
      const heard: Api.NegotiationChange[] = [];
      const unsubscribe = store.subscribe((change) => heard.push(change));
      const alsoHeard: string[] = [];
      const unsubscribeToo = store.subscribe(({ threadId }) => alsoHeard.push(threadId));

      await store.save(negotiation(api, "a", ["send_offer"]));
      assertEqual(heard, [{ threadId: "a", state: "awaiting_reply", kind: "save" }], "a save");
      let thrown: unknown;
      await store
        .transaction(async (tx) => {
          await tx.save(negotiation(api, "rolled-back"));
          throw new Error("changed my mind");
        })
        .catch((error: unknown) => {
          thrown = error;
        });
      assertEqual((thrown as Error | undefined)?.message, "changed my mind", "the rollback");
      assertEqual(heard.length, 1, "nothing heard of a transaction that rolled back");
      await store.transaction(async (tx) => {
        await tx.save(negotiation(api, "b", ["send_offer"]));
        await tx.delete("a");
        await tx.delete("never-saved");
      });
      await store.update("b", step);
      assertEqual(await store.delete("never-saved"), false, "a delete that removed nothing");
      await store.putRow(pythonRow("<py@mail>", "2026-02-19T18:16:12Z"));
      const concurrent = range(8).map((i) => `c-${i}`);
      await Promise.all(concurrent.map((id) => store.save(negotiation(api, id))));
      assertEqual(
        heard.slice(0, 5),
        [
          { threadId: "a", state: "awaiting_reply", kind: "save" },
          { threadId: "b", state: "awaiting_reply", kind: "save" },
          { threadId: "a", state: null, kind: "delete" },
          { threadId: "b", state: "counter_received", kind: "save" },
          { threadId: "<py@mail>", state: "awaiting_reply", kind: "save" },
        ],
        "each change, in commit order",
      );
      assertEqual(
        heard
          .slice(5)
          .map(({ threadId }) => threadId)
          .sort(),
        concurrent,
        "concurrent saves, once each",
      );

      unsubscribe();
      unsubscribe();
      await store.save(negotiation(api, "d"));
      assertEqual(heard.length, 13, "nothing heard after unsubscribing");
      assertEqual(alsoHeard.at(-1), "d", "another subscriber still hears");
      assertEqual(alsoHeard.length, 14, "the other subscriber heard every change");
      unsubscribeToo();
      await store.close();
    });

    test("putRow writes a row as given, and refuses one the store could not restore", async (place) => {
      const store = await open(place);
      const row = pythonRow("<py-1@mail>", "2026-02-19T18:16:12Z");
      assertEqual(await store.putRow(row), false, "a new row");
      assertEqual(await store.loadAll(), [row], "the row, every column as given");
      const later = { ...row, round_count: 2, updated_at: "2026-02-20T08:00:00Z" };
      assertEqual(await store.putRow(later), true, "a replaced row");
      await assertRejects(
        store.putRow({ ...row, history_json: '[["initial_offer", "accept", "agreed"]]' }),
        "RESTORE_INCOMPLETE",
        'negotiation_state["<py-1@mail>"].history_json',
        "a history the machine could not have recorded",
      );
      await assertRejects(
        store.transaction(async (tx) => {
          await tx.putRow(pythonRow("in-batch", "2026-02-19T18:16:12Z"));
          await tx.putRow({ ...row, created_at: "yesterday" });
        }),
        "RESTORE_INCOMPLETE",
        "created_at",
        "a bad timestamp inside a transaction",
      );
      await store.close();

      const reopened = await open(place);
      assertEqual(await reopened.loadAll(), [later], "after reopen: the row as last put");
      const restored = await reopened.load(row.thread_id);
      assertEqual(restored?.context, { next_cpm: "25.50" }, "its context, decimals as written");
      await reopened.close();
    });

    if (target.durable) {
      test("a crash keeps every acknowledged save, and the survivor goes on", async (place) => {
        const store = await open(place);
        await Promise.all(range(15).map((i) => store.save(negotiation(api, `crash-${i}`))));
        for (const round of range(10)) {
          await store.save(negotiation(api, "hot", ["send_offer"], { roundCount: round }));
        }
        await store.delete("crash-0");
        const acknowledged = (await store.restoreActive()).map((n) => portrait(api, n));
        const survivor = await crashCopy(place);
        await store.close();

        const recovered = await open(survivor);
        assertEqual(
          (await recovered.restoreActive()).map((n) => portrait(api, n)),
          acknowledged,
          "active after the crash",
        );
        await recovered.save(negotiation(api, "after-crash"));
        await recovered.close();
        const reopened = await open(survivor);
        assertEqual(
          (await reopened.loadActive()).length,
          acknowledged.length + 1,
          "rows after going on",
        );
        await reopened.close();
      });
    }
  }
}

const campaignInput = {
  campaign_id: "spring-launch",
  client_name: "Acme Skincare",
  target_deliverables: "1 Instagram Reel + 2 Stories",
  budget: "12000.50",
  cpm_range: { min_cpm: "20", max_cpm: "30" },
  created_at: "2026-11-01T09:00:00Z",
  influencers: [{ name: "Chloé Durand", platform: "instagram", engagement_rate: 4.2 }],
};

function negotiation(
  api: PackageApi,
  threadId: string,
  events: readonly NegotiationEvent[] = ["send_offer"],
  overrides: Partial<Omit<Api.NegotiationInput, "stateMachine">> = {},
): Api.NegotiationInput & { stateMachine: Api.NegotiationStateMachine } {
  const stateMachine = new api.NegotiationStateMachine();
  for (const event of events) stateMachine.trigger(event);
  const cpmTracker = new api.CampaignCPMTracker("spring-launch", "20", "30", 5);
  cpmTracker.recordAgreement("25.50", 4.2);
  return {
    threadId,
    stateMachine,
    context: {
      influencer_name: "Chloé Durand ✨",
      next_cpm: "27.125",
      offers: [{ cpm: "24.00", accepted: false }, null],
      followers: 125000,
      note: "quotes ' \" and \\ stay literal",
    },
    campaign: api.parseCampaign(campaignInput),
    cpmTracker,
    roundCount: events.length,
    ...overrides,
  };
}

/** Moves a negotiation on by one event and one round: what an update of a reply does. */
function step(current: Api.RestoredNegotiation | null): Api.NegotiationUpdate {
  if (current === null) throw new Error("no negotiation to update");
  const { state } = current.stateMachine;
  current.stateMachine.trigger(state === "counter_received" ? "send_counter" : "receive_reply");
  return { ...current, roundCount: current.roundCount + 1 };
}

/**
 * Moves a negotiation on by one event and one round, and writes into its context, under
 * `label`, the round it moved on from: what two replies handled at once each do.
 */
function advance(
  current:
    | (Omit<Api.NegotiationInput, "threadId" | "stateMachine"> & {
        stateMachine: Api.NegotiationStateMachine;
      })
    | null,
  label: string,
): Api.NegotiationUpdate {
  if (current === null) throw new Error("no negotiation to advance");
  const { stateMachine, roundCount, context } = current;
  stateMachine.trigger(
    stateMachine.state === "counter_received" ? "send_counter" : "receive_reply",
  );
  return { ...current, roundCount: roundCount + 1, context: { ...context, [label]: roundCount } };
}

/**
 * Fails unless a negotiation at round 1 (one event) was then moved on by two `advance`s in
 * turn: both changes are there, and the second read what the first wrote.
 */
function assertAdvancedInTurn(after: Api.RestoredNegotiation | null): void {
  assertEqual(after?.roundCount, 3, "round count: 1, then two changes");
  assertEqual(after?.stateMachine.history.length, 3, "history entries: 1, then two changes");
  assertEqual(Object.values(after?.context ?? {}).sort(), [1, 2], "the rounds each update read");
}

/** A row as the Python service writes one (`json.dumps` spacing, `"25.50"` with its zero). */
function pythonRow(
  threadId: string,
  createdAt: string,
  overrides: Partial<Api.NegotiationStateRow> = {},
): Api.NegotiationStateRow {
  return {
    thread_id: threadId,
    state: "awaiting_reply",
    round_count: 1,
    context_json: '{"next_cpm": "25.50"}',
    campaign_json: JSON.stringify(campaignInput),
    cpm_tracker_json:
      '{"campaign_id": "spring-launch", "target_min_cpm": "20", "target_max_cpm": "30", "total_influencers": 5, "agreements": [{"cpm": "25.50", "engagement_rate": 4.2}]}',
    history_json: '[["initial_offer", "send_offer", "awaiting_reply"]]',
    created_at: createdAt,
    updated_at: createdAt,
    ...overrides,
  };
}

/** A restored negotiation as plain JSON, to compare across reopens and runtimes. */
function portrait(api: PackageApi, restored: Api.RestoredNegotiation) {
  return {
    threadId: restored.threadId,
    snapshot: restored.stateMachine.toSnapshot(),
    context: restored.context,
    campaign: api.serializeCampaign(restored.campaign),
    cpmTracker: restored.cpmTracker.toDict(),
    roundCount: restored.roundCount,
    createdAt: restored.createdAt,
    updatedAt: restored.updatedAt,
  };
}

/** The portrait a saved input must come back as (timestamps aside, which the store sets). */
function expected(api: PackageApi, input: Api.NegotiationInput): unknown {
  const machine = input.stateMachine.toSnapshot();
  return {
    threadId: input.threadId,
    snapshot: machine,
    context: input.context,
    campaign: api.serializeCampaign(api.parseCampaign(input.campaign)),
    cpmTracker: (input.cpmTracker as Api.CampaignCPMTracker).toDict(),
    roundCount: input.roundCount,
  };
}

/**
 * Two stores to race on one place, and a way to close them: two replicas where the target
 * lets several stores write at once, else one store twice (its only writer).
 */
async function replicas(
  target: Target,
  place: Place,
): Promise<[Api.NegotiationStateStore, Api.NegotiationStateStore, () => Promise<void>]> {
  const first = await place.open();
  if (target.exclusiveWriter) return [first, first, () => first.close()];
  const second = await place.open();
  return [first, second, async () => void (await Promise.all([first.close(), second.close()]))];
}

function crashCopy(place: Place): Promise<Place> {
  if (!place.crashCopy) throw new Error("a durable target must make crash copies");
  return place.crashCopy();
}

function range(length: number): number[] {
  return Array.from({ length }, (_, index) => index);
}
