// The negotiations the kill tests save (test/reliability/torture-child.mjs in Node, the
// page of test/reliability/indexed-db-kill.test.ts in Chromium): every save's content is a
// pure function of its thread and a version, so the checker recomputes what each row must
// hold. Plain JavaScript that imports only seeded-random.mjs (its types are in
// random-negotiation.d.mts), so that Node runs it as it is and esbuild bundles it into a page.
import { decimalIn, integerIn, pick, seededRandom, seedOf } from "./seeded-random.mjs";

/** The thread saved again and again, never deleted and never finished; its `round_count` is its version. */
export const HOT_THREAD = "hot-thread";

const TERMINAL_EVENTS = new Set(["accept", "reject", "stop"]);
const NAMES = ["Ava", "Ben", "Chloé", "Dmitri", "Eun-ji", "Fatima", "Gaël", "Hiro", "Ingrid"];
const PLATFORMS = ["instagram", "tiktok", "youtube"];

/**
 * The thread ids of the pool the workloads draw from: a few in the shapes mail ids take,
 * some not ASCII.
 *
 * @param {number} index - From 0.
 * @returns {string} A different id for each index, never {@link HOT_THREAD}.
 */
export function poolThread(index) {
  if (index % 7 === 3) return `<msg-${index}@mail.example>`;
  if (index % 5 === 1) return `thread-ü-${index}`;
  return `thread-${String(index).padStart(3, "0")}`;
}

/**
 * Everything one save of `threadId` at `version` writes, as plain data.
 *
 * @param {string} threadId
 * @param {number} version - Stored as `context.version`, so a row tells which save wrote it.
 * @returns `{ walk, context, campaign, tracker: { campaignId, minCpm, maxCpm,
 *   totalInfluencers, agreements: [{ cpm, engagementRate }] }, roundCount }`; `walk` is
 *   the state machine's, for {@link walkMachine}.
 */
export function negotiationSpec(threadId, version) {
  const random = seededRandom(seedOf(`${threadId}#${version}`));
  const integer = (min, max) => integerIn(random, min, max);
  const decimal = (min, max) => decimalIn(random, min, max);
  const campaignIndex = integer(1, 4);
  const minCpm = `${integer(10, 20)}`;
  const maxCpm = decimal(21, 40);
  const name = pick(random, NAMES);
  return {
    walk: Array.from({ length: integer(0, 7) }, () => random()),
    context: {
      version,
      thread: threadId,
      amount: decimal(100, 99999),
      next_cpm: decimal(15, 40),
      influencer: { name, handle: `@${name.toLowerCase()}_${integer(1, 999)}` },
      offers: Array.from({ length: integer(0, 4) }, () => decimal(10, 45)),
      flags: { urgent: random() < 0.5, reviewed: random() < 0.5, note: null },
      // Now and then a large context, so that records vary in size and checkpoints come often.
      ...(random() < 0.1 && {
        transcript: "Dear team, merci — thank you 🌸 ".repeat(integer(50, 800)),
      }),
    },
    campaign: {
      campaign_id: `camp-${campaignIndex}`,
      client_name: `Client ${campaignIndex} & Co`,
      target_deliverables: `${integer(1, 3)} Reels`,
      budget: decimal(1000, 50000),
      cpm_range: { min_cpm: minCpm, max_cpm: maxCpm },
      created_at: "2026-01-15T12:00:00Z",
      platform: pick(random, PLATFORMS),
      influencers: [{ name, platform: pick(random, PLATFORMS), engagement_rate: null }],
      // A field this version does not know: kept and written back.
      written_by: { thread: threadId, version },
    },
    tracker: {
      campaignId: `camp-${campaignIndex}`,
      minCpm,
      maxCpm,
      totalInfluencers: integer(1, 12),
      agreements: Array.from({ length: integer(0, 5) }, () => ({
        cpm: decimal(10, 45),
        engagementRate: random() < 0.25 ? null : integer(0, 90) / 10,
      })),
    },
    roundCount: threadId === HOT_THREAD ? version : integer(0, 40),
  };
}

/**
 * Takes a new state machine through the walk of `spec`: at each step, the valid event its
 * number picks (never a finishing one for {@link HOT_THREAD}, which stays active, so that
 * restoreActive always returns it).
 *
 * @template {{ getValidEvents(): readonly string[]; trigger(event: string): unknown }} M
 * @param {M} machine - At initial_offer.
 * @param {string} threadId
 * @param {{ walk: readonly number[] }} spec - From {@link negotiationSpec}.
 * @returns {M} The machine.
 */
export function walkMachine(machine, threadId, spec) {
  for (const choice of spec.walk) {
    const valid = machine
      .getValidEvents()
      .filter((event) => !(threadId === HOT_THREAD && TERMINAL_EVENTS.has(event)));
    if (valid.length === 0) break;
    machine.trigger(valid[Math.floor(choice * valid.length)]);
  }
  return machine;
}

/**
 * The `store.save` argument of the save of `threadId` at `version`.
 *
 * @param {import("./negotiation-fixture.mjs").DomainClasses} classes - The classes to build
 *   the state machine and tracker with.
 * @param {string} threadId
 * @param {number} version
 * @returns `{ threadId, stateMachine, context, campaign, cpmTracker, roundCount }`.
 */
export function randomNegotiation(classes, threadId, version) {
  const spec = negotiationSpec(threadId, version);
  const { campaignId, minCpm, maxCpm, totalInfluencers, agreements } = spec.tracker;
  const cpmTracker = new classes.CampaignCPMTracker(campaignId, minCpm, maxCpm, totalInfluencers);
  for (const { cpm, engagementRate } of agreements) cpmTracker.recordAgreement(cpm, engagementRate);
  return {
    threadId,
    stateMachine: walkMachine(new classes.NegotiationStateMachine(), threadId, spec),
    context: spec.context,
    campaign: spec.campaign,
    cpmTracker,
    roundCount: spec.roundCount,
  };
}
