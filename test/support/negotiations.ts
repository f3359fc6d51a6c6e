import { CampaignCPMTracker, type CpmTrackerDict } from "../../src/domain/campaign-cpm-tracker.js";
import { NegotiationStateMachine } from "../../src/domain/negotiation-state-machine.js";
import type { NegotiationEvent } from "../../src/domain/vocabulary.js";
import type { NegotiationInput } from "../../src/store/negotiation-state-store.js";
import { negotiationInput } from "./negotiation-fixture.mjs";

export { campaignInput } from "./negotiation-fixture.mjs";

/** A negotiation on `threadId` that went through `events` from initial_offer. */
export function negotiation(
  threadId: string,
  events: readonly NegotiationEvent[] = ["send_offer"],
  overrides: Partial<NegotiationInput> = {},
): NegotiationInput {
  return {
    ...negotiationInput({ NegotiationStateMachine, CampaignCPMTracker }, threadId, {
      events,
      context: { influencer_name: `Influencer of ${threadId}`, next_cpm: "25.50", tags: ["reel"] },
      roundCount: events.length,
      agreements: [["25.50", 4.2]],
    }),
    ...overrides,
  };
}

/** A clock that reads `start` and moves on by `stepSeconds` at every call. */
export function steppingClock(start: string, stepSeconds: number): () => Date {
  let now = Date.parse(start);
  return () => {
    const date = new Date(now);
    now += stepSeconds * 1000;
    return date;
  };
}

/** A tracker dict as the Python service writes it (`"25.50"` keeps its trailing zero). */
export const pythonTrackerDict: CpmTrackerDict = {
  campaign_id: "camp-001",
  target_min_cpm: "20",
  target_max_cpm: "30",
  total_influencers: 5,
  agreements: [
    { cpm: "25.50", engagement_rate: 4.2 },
    { cpm: "22", engagement_rate: null },
  ],
};
