import type * as Api from "../../src/index.js";
import { assertEqual, assertRejects, assertTrue } from "./assertions.js";
import type { Place, Target } from "./targets.js";

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
      harness.test(`${subject} · ${target.name} · ${name}`, async () => body(await target.fresh()));
    const open = (place: Place, options?: { checkpointBytes?: number }) =>
      api.openNegotiationStore({ persistence: place.persistence(options) });

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
  overrides: Partial<Api.NegotiationInput> = {},
): Api.NegotiationInput {
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

function crashCopy(place: Place): Promise<Place> {
  if (!place.crashCopy) throw new Error("a durable target must make crash copies");
  return place.crashCopy();
}

function range(length: number): number[] {
  return Array.from({ length }, (_, index) => index);
}
