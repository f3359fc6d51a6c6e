import { formatMoney } from "../domain/money.js";
import type { RestoredNegotiation } from "../store/negotiation-state-store.js";

/** One negotiation as the operator's table shows it: money as text, exact. */
export interface NegotiationSummary {
  readonly threadId: string;
  readonly state: string;
  readonly round: number;
  readonly campaignId: string;
  /** The context's `next_cpm`, when it has one. */
  readonly nextCpm: string | null;
  /** What the campaign's CPM tracker allows for this influencer now. */
  readonly maxAllowedCpm: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * The influencer's engagement rate, for the tracker's flexibility: the context's
 * `engagement_rate`, else that of the campaign's influencer named by the context's
 * `influencer_name`, else none.
 *
 * @param negotiation - A restored negotiation.
 * @returns The rate in percent, or `null`.
 */
export function engagementRateOf(negotiation: RestoredNegotiation): number | null {
  const { engagement_rate: fromContext, influencer_name: name } = negotiation.context;
  if (typeof fromContext === "number") return fromContext;
  const influencer = negotiation.campaign.influencers.find((each) => each.name === name);
  return influencer?.engagement_rate ?? null;
}

/**
 * Summarises a negotiation for listing.
 *
 * @param negotiation - A restored negotiation.
 * @returns Its summary.
 */
export function summarize(negotiation: RestoredNegotiation): NegotiationSummary {
  const nextCpm = negotiation.context.next_cpm;
  return {
    threadId: negotiation.threadId,
    state: negotiation.stateMachine.state,
    round: negotiation.roundCount,
    campaignId: negotiation.campaign.campaign_id,
    nextCpm: typeof nextCpm === "string" || typeof nextCpm === "number" ? String(nextCpm) : null,
    maxAllowedCpm: formatMoney(
      negotiation.cpmTracker.getFlexibility(engagementRateOf(negotiation)).maxAllowedCpm,
    ),
    createdAt: negotiation.createdAt,
    updatedAt: negotiation.updatedAt,
  };
}
