// What the assistant does to negotiations, apart from where they are kept: the demo
// campaign, the next sensible step of a thread, and the summary the page shows.
import {
  CampaignCPMTracker,
  NegotiationStateMachine,
  parseCampaign,
  toMoney,
} from "negotiation-state";

const DEMO_CAMPAIGN = {
  campaign_id: "spring-launch",
  client_name: "Acme Skincare",
  target_deliverables: "1 Instagram Reel + 2 Stories",
  budget: "12000",
  cpm_range: { min_cpm: "20", max_cpm: "30" },
  created_at: "2026-11-01T09:00:00Z",
  influencers: [
    { name: "Ava Martin", platform: "instagram", engagement_rate: 6.1 },
    { name: "Ben Osei", platform: "tiktok", engagement_rate: 4.2 },
    { name: "Chloé Durand", platform: "instagram", engagement_rate: 2.5 },
  ],
};

// The demo has no mailbox: each influencer's replies are scripted, one ask per round.
const DEMO_ASKS = {
  "Ava Martin": ["38", "34"],
  "Ben Osei": ["35", "31.50"],
  "Chloé Durand": ["29", "27"],
};

/**
 * The demo campaign's negotiations, one per influencer, before the first offer.
 *
 * @returns Negotiations ready for `store.save`.
 */
export function demoNegotiations() {
  const campaign = parseCampaign(DEMO_CAMPAIGN);
  const { min_cpm, max_cpm } = campaign.cpm_range;
  const tracker = new CampaignCPMTracker(
    campaign.campaign_id,
    min_cpm,
    max_cpm,
    campaign.influencers.length,
  );
  return campaign.influencers.map((influencer, index) => ({
    threadId: `thread-${index + 1}-${influencer.name.split(" ")[0].toLowerCase()}`,
    stateMachine: new NegotiationStateMachine(),
    context: {
      influencer_name: influencer.name,
      engagement_rate: influencer.engagement_rate,
      next_cpm: min_cpm.toFixed(2),
      asks: DEMO_ASKS[influencer.name],
    },
    campaign,
    cpmTracker: tracker,
    roundCount: 0,
  }));
}

/**
 * Applies the next sensible event to a negotiation, as the agent would on its next email:
 * send the offer, read the influencer's reply, then accept an ask within the max allowed
 * CPM or counter at that max. A paused negotiation resumes; an escalated one counters again.
 *
 * @param negotiation - The negotiation to move on, as `restoreActive` returns it.
 * @param active - Every unfinished negotiation: an agreement changes the CPM tracker that
 *   the other negotiations of the campaign budget with.
 * @returns The negotiations to save together: the one that moved, first, and after an
 *   agreement the campaign's others with the updated tracker.
 * @throws `InvalidTransitionError` for a paused negotiation whose state before the pause
 *   is unknown; an `Error` for a finished one.
 */
export function advance(negotiation, active) {
  const { stateMachine, context, cpmTracker } = negotiation;
  const engagementRate = context.engagement_rate ?? null;
  switch (stateMachine.state) {
    case "initial_offer":
      stateMachine.trigger("send_offer");
      return [negotiation];
    case "awaiting_reply":
    case "counter_sent":
    case "stale": {
      stateMachine.trigger("receive_reply");
      const roundCount = negotiation.roundCount + 1;
      return [
        { ...negotiation, roundCount, context: { ...context, ask: askOf(context, roundCount) } },
      ];
    }
    case "counter_received": {
      const ask = toMoney(context.ask, "context.ask");
      const { maxAllowedCpm } = cpmTracker.getFlexibility(engagementRate);
      if (ask.gt(maxAllowedCpm)) {
        stateMachine.trigger("send_counter");
        return [{ ...negotiation, context: { ...context, next_cpm: maxAllowedCpm.toFixed(2) } }];
      }
      stateMachine.trigger("accept");
      cpmTracker.recordAgreement(ask, engagementRate);
      const campaignId = negotiation.campaign.campaign_id;
      const others = active.filter(
        (other) =>
          other.threadId !== negotiation.threadId && other.campaign.campaign_id === campaignId,
      );
      return [
        { ...negotiation, context: { ...context, next_cpm: ask.toFixed(2) } },
        ...others.map((other) => ({ ...other, cpmTracker })),
      ];
    }
    case "escalated":
      stateMachine.trigger("resume_counter");
      return [negotiation];
    case "paused":
      stateMachine.resume();
      return [negotiation];
    default:
      throw new Error(`${negotiation.threadId} is ${stateMachine.state}: nothing to advance`);
  }
}

/**
 * What the page shows of a negotiation; every value is a string.
 *
 * @param negotiation - As `restoreActive` returns it.
 * @returns `threadId`, `state`, `round` and `maxAllowedCpm` (two decimals).
 */
export function summarize({ threadId, stateMachine, context, cpmTracker, roundCount }) {
  const { maxAllowedCpm } = cpmTracker.getFlexibility(context.engagement_rate ?? null);
  return {
    threadId,
    state: stateMachine.state,
    round: String(roundCount),
    maxAllowedCpm: maxAllowedCpm.toFixed(2),
  };
}

/**
 * Rebuilds a negotiation sent in a message (JSON): the state machine travels as its
 * snapshot, the tracker as its `toDict()` form.
 *
 * @param message - `{ threadId, state, history, context, campaign, cpmTracker, roundCount }`.
 * @returns A negotiation ready for `store.save`, which validates the rest.
 */
export function fromMessage({
  threadId,
  state,
  history,
  context,
  campaign,
  cpmTracker,
  roundCount,
}) {
  return {
    threadId,
    stateMachine: NegotiationStateMachine.fromSnapshot(state, history ?? []),
    context,
    campaign,
    cpmTracker,
    roundCount,
  };
}

// Without a script, the influencer takes the last offer.
function askOf(context, round) {
  const asks = context.asks ?? [];
  return asks[Math.min(round, asks.length) - 1] ?? context.next_cpm;
}

/** The store every context of the extension opens: the same name, the WASM it ships. */
export function storeOptions(indexedDbPersistence) {
  return {
    persistence: indexedDbPersistence("negotiations"),
    sqlJs: { locateFile: () => chrome.runtime.getURL("sql-wasm.wasm") },
  };
}

/** Adds the demo campaign's negotiations when the store has no unfinished one. */
export function seed(store) {
  return store.transaction(async (tx) => {
    if ((await tx.loadActive()).length > 0) return;
    for (const negotiation of demoNegotiations()) await tx.save(negotiation);
  });
}

/**
 * Applies the next event to the negotiation on `threadId`; its new summary. Read and written
 * in one transaction, so that two clicks at once (in two contexts, even) cannot both start
 * from the same rows and one overwrite the other's tracker.
 */
export function advanceThread(store, threadId) {
  return store.transaction(async (tx) => {
    const active = await tx.restoreActive();
    const negotiation = active.find((each) => each.threadId === threadId);
    if (negotiation === undefined) {
      throw new Error(`No unfinished negotiation on thread ${JSON.stringify(threadId)}`);
    }
    const changed = advance(negotiation, active);
    for (const each of changed) await tx.save(each);
    return summarize(changed[0]);
  });
}

/** The unfinished negotiations, summarized, oldest first. */
export async function list(store) {
  return (await store.restoreActive()).map(summarize);
}
