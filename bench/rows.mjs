// Realistic negotiations of about 3 KB a row: a full campaign with every optional group (as
// in test/fixtures/python-service.db), a context, a tracker with a few agreements and a
// history. Row `index` is the same negotiation for every contender; `revision` > 0 gives the
// same thread one round further, for updates.
import {
  CampaignCPMTracker,
  NegotiationStateMachine,
  parseCampaign,
  serializeCampaign,
  serializeContext,
  serializeCpmTracker,
} from "negotiation-state";

const CAMPAIGNS = 20;

/** Event paths from initial_offer; 8 of 10 end in an active state, 2 in a terminal one. */
const PATHS = [
  [],
  ["send_offer"],
  ["send_offer", "receive_reply"],
  ["send_offer", "receive_reply", "send_counter"],
  ["send_offer", "receive_reply", "send_counter", "receive_reply"],
  ["send_offer", "receive_reply", "escalate"],
  ["send_offer", "timeout"],
  ["send_offer", "receive_reply", "send_counter", "pause"],
  ["send_offer", "receive_reply", "send_counter", "receive_reply", "accept"],
  ["send_offer", "receive_reply", "reject"],
];

/** How many of the first `count` rows are active (not agreed, rejected or stopped). */
export function activeCount(count) {
  const full = Math.floor(count / PATHS.length) * 8;
  return full + Math.min(count % PATHS.length, 8);
}

function campaignInput(c) {
  return {
    campaign_id: `camp-${c}`,
    client_name: `Client ${c} Corp`,
    budget: String(10000 + c * 500),
    target_deliverables: "2 Instagram Reels",
    influencers: [
      { name: "Influencer A", platform: "instagram", engagement_rate: 4.5 },
      { name: "Zoë Ñandú 🌸", platform: "tiktok", engagement_rate: null },
    ],
    cpm_range: { min_cpm: "20", max_cpm: "30" },
    platform: "instagram",
    timeline: "Q1 2026",
    created_at: "2026-01-15T12:00:00Z",
    background: {
      client_website: `https://client-${c}.example`,
      campaign_manager: "Dana Ruiz",
      payment_methods: ["paypal", "wire"],
      payment_terms: "Net 30",
    },
    goals: {
      primary_goal: "Awareness for spring launch",
      secondary_goal: null,
      business_context: "New product line",
      optimize_for: "cpm",
    },
    deliverables: {
      target_deliverables: ["instagram_reel", "instagram_story"],
      content_syndication: true,
      scenario_1: "1 reel + 2 stories",
      scenario_2: "2 reels",
      scenario_3: null,
    },
    usage_rights: {
      target: { paid_usage: "days_90", whitelisting: "days_60", organic_owned: "perpetual" },
      minimum: { paid_usage: "days_30", whitelisting: "not_required", organic_owned: "year_1" },
    },
    budget_constraints: {
      campaign_budget: "25000.00",
      target_influencer_count: 12,
      target_cost_range: "$1k-$3k",
      min_cost_per_influencer: "500",
      max_cost_without_approval: "3000.50",
      cpm_target: "25.50",
      cpm_leniency_pct: "10",
    },
    product_leverage: {
      product_available: true,
      product_description: "Skincare kit",
      product_monetary_value: "89.99",
    },
    requirements: {
      exclusivity_required: true,
      exclusivity_term: "30 days",
      exclusivity_description: "No competing skincare brands",
      content_posted_organically: true,
      content_approval_required: true,
      revision_rounds: 2,
      raw_footage_required: null,
      content_delivery_date: "2026-03-01",
      content_publish_date: "2026-03-10",
    },
    distribution: {
      platform_distribution: "80% IG / 20% TikTok",
      market_distribution: "US",
      influencer_size_distribution: "micro",
    },
    influencer_sheet_tab: "Spring Launch",
    influencer_sheet_id: null,
  };
}

// A campaign and its tracker are shared by many negotiations, as in a real agent: parsed
// and serialized once.
const campaigns = Array.from({ length: CAMPAIGNS }, (_, c) => {
  const campaign = parseCampaign(campaignInput(c));
  const tracker = new CampaignCPMTracker(`camp-${c}`, "20", "30", 12);
  for (const [cpm, rate] of [
    ["25.50", 4.2],
    ["22", null],
    ["27.25", 5.6],
    ["23.80", 3.1],
  ]) {
    tracker.recordAgreement(cpm, rate);
  }
  const trackerJson = JSON.stringify(serializeCpmTracker(tracker));
  return { campaign, tracker, campaignJson: serializeCampaign(campaign), trackerJson };
});

function context(index, revision) {
  return {
    influencer_name: `Influencer ${index}`,
    influencer_email: `influencer.${index}@creators.example`,
    handle: `@creator_${index}`,
    followers: 20000 + ((index * 7919) % 480000),
    engagement_rate: "4.2",
    next_cpm: `2${index % 10}.50`,
    counter_cpm: "30.00",
    last_offer_amount: "1250.00",
    tags: ["instagram", "reel", "spring-launch"],
    round: revision,
    active: true,
    notes: "Prefers two reels over stories; asked about usage rights and whitelisting terms.",
    thread_subject: 'Re: Collab — "Spring" launch',
    last_message_id: `<msg-${index}-${revision}@mail.example>`,
    last_reply_at: "2026-02-19T18:20:00Z",
    last_reply_excerpt:
      "Thanks for the offer! My rate for two reels is a bit higher; happy to include a story if we can agree on usage.",
    rate_card: { reel: "1500.00", story: "350.00", bundle: "1800.00" },
  };
}

/**
 * What `store.save` takes for negotiation `index`.
 *
 * @param {number} index
 * @param {number} [revision] 0 for the first save, more for later rounds
 */
export function negotiationInput(index, revision = 0) {
  const { campaign, tracker } = campaigns[index % CAMPAIGNS];
  const events = PATHS[index % PATHS.length];
  const stateMachine = new NegotiationStateMachine();
  for (const event of events) stateMachine.trigger(event);
  return {
    threadId: `<thread-${index}@mail.example>`,
    stateMachine,
    context: context(index, revision),
    campaign,
    cpmTracker: tracker,
    roundCount: events.length + revision,
  };
}

/**
 * The same negotiation as the table's columns, serialized as the store serializes it
 * (without the timestamps, which are set when it is written).
 */
export function serializedRow(index, revision = 0) {
  const input = negotiationInput(index, revision);
  const { campaignJson, trackerJson } = campaigns[index % CAMPAIGNS];
  return {
    thread_id: input.threadId,
    state: input.stateMachine.state,
    round_count: input.roundCount,
    context_json: serializeContext(input.context),
    campaign_json: campaignJson,
    cpm_tracker_json: trackerJson,
    history_json: JSON.stringify(input.stateMachine.history),
  };
}

/** The average size in bytes of a row's columns (timestamps included) over every path. */
export function averageRowBytes() {
  let total = 0;
  for (let i = 0; i < PATHS.length; i++) {
    const row = {
      ...serializedRow(i),
      created_at: "2026-02-19T18:16:12Z",
      updated_at: "2026-02-19T18:20:00Z",
    };
    for (const value of Object.values(row)) total += Buffer.byteLength(String(value));
  }
  return Math.round(total / PATHS.length);
}
