// The negotiation the tests save when its content is not the point: campaign camp-001 of
// Acme Corp, CPM $20 to $30, a state machine driven through a few events. One copy for the
// TypeScript tests (which pass src's classes), their child processes and their pages (which
// pass the built package's). Plain JavaScript that imports nothing (its types are in
// negotiation-fixture.d.mts), so that Node, Bun and Deno run it as it is and esbuild bundles
// it into a page.

/**
 * The package's classes a negotiation is built with: the built package's in a child
 * process or a page, src's in a test.
 *
 * @typedef {object} DomainClasses
 * @property {new () => { trigger(event: string): unknown }} NegotiationStateMachine
 * @property {new (campaignId: string, targetMinCpm: string, targetMaxCpm: string,
 *   totalInfluencers: number) => { recordAgreement(cpm: string, engagementRate: number | null): unknown }}
 *   CampaignCPMTracker
 */

/**
 * A valid campaign as plain input, as an agent would receive it.
 *
 * @param {Record<string, unknown>} [overrides] - Fields to set or add, on top.
 * @returns {Record<string, unknown>} A new object each call.
 */
export function campaignInput(overrides = {}) {
  return {
    campaign_id: "camp-001",
    client_name: "Acme Corp",
    target_deliverables: "2 Instagram Reels",
    budget: "10000",
    cpm_range: { min_cpm: "20", max_cpm: "30" },
    created_at: "2026-01-15T12:00:00Z",
    ...overrides,
  };
}

/**
 * A negotiation of campaign camp-001, as `store.save` takes it.
 *
 * @param {DomainClasses} classes - The classes to build the state machine and tracker with.
 * @param {string} threadId
 * @param {object} [options]
 * @param {readonly string[]} [options.events] - Triggered from initial_offer, in order;
 *   `["send_offer"]` by default.
 * @param {Record<string, unknown>} [options.context] - `{}` by default.
 * @param {number} [options.roundCount] - 0 by default.
 * @param {number} [options.totalInfluencers] - The tracker's; 5 by default.
 * @param {readonly (readonly [string, number | null])[]} [options.agreements] - `[cpm,
 *   engagementRate]` recorded on the tracker, in order; none by default.
 * @returns The negotiation: `{ threadId, stateMachine, context, campaign, cpmTracker, roundCount }`.
 * @throws What the classes throw: an event the machine refuses, a tracker argument out of range.
 */
export function negotiationInput(
  classes,
  threadId,
  {
    events = ["send_offer"],
    context = {},
    roundCount = 0,
    totalInfluencers = 5,
    agreements = [],
  } = {},
) {
  const stateMachine = new classes.NegotiationStateMachine();
  for (const event of events) stateMachine.trigger(event);
  const cpmTracker = new classes.CampaignCPMTracker("camp-001", "20", "30", totalInfluencers);
  for (const [cpm, engagementRate] of agreements) cpmTracker.recordAgreement(cpm, engagementRate);
  return { threadId, stateMachine, context, campaign: campaignInput(), cpmTracker, roundCount };
}
