/**
 * The campaign a negotiation belongs to, the `campaign_json` column shared with the Python
 * service (DESIGN §4 and §5): the {@link Campaign} a parse gives, here; its schema
 * (`campaign-schema.ts`), its JSON form (`campaign-codec.ts`) and its deep copy
 * (`copy-campaign.ts`) in their own files, named again here so that this module answers
 * for the whole concept.
 */
import type { Big } from "big.js";

export { deserializeCampaign, parseCampaign, serializeCampaign } from "./campaign-codec.js";
export { CampaignSchema } from "./campaign-schema.js";
export { copyCampaign } from "./copy-campaign.js";

/**
 * A usage-right duration, shortest first: `not_required` < `days_30` < `days_60` <
 * `days_90` < `months_6` < `year_1` < `perpetual`.
 */
export type UsageRightDuration =
  | "not_required"
  | "days_30"
  | "days_60"
  | "days_90"
  | "months_6"
  | "year_1"
  | "perpetual";

/** How long the brand may use the content, per kind of use (each `not_required` by default). */
export interface UsageRightTerms {
  /** Use of the content in the brand's paid ads. */
  paid_usage: UsageRightDuration;
  /** Ads run from the influencer's own account (whitelisting). */
  whitelisting: UsageRightDuration;
  /** Reposting on the brand's own channels. */
  organic_owned: UsageRightDuration;
  /** A field this version does not know, kept and written back. */
  [key: string]: unknown;
}

/**
 * A parsed campaign, the `campaign_json` column (DESIGN §5), as {@link parseCampaign} returns
 * it: money fields are `Big`, defaults are applied, and every known field is present (an
 * absent optional group or text field is `null`). Fields this version does not know are
 * kept, at every level, after the known ones, and written back by {@link serializeCampaign}.
 * Keys are the on-disk format's snake_case ones.
 */
export interface Campaign {
  /** The campaign's id; non-blank. */
  campaign_id: string;
  /** The brand; non-blank. */
  client_name: string;
  /** The whole budget; money, never negative. */
  budget: Big;
  /** What each influencer delivers, in words (`"1 Instagram Reel + 2 Stories"`); non-blank. */
  target_deliverables: string;
  /** The influencers to negotiate with; `[]` by default. */
  influencers: {
    /** The influencer's name; non-blank. */
    name: string;
    /** Where they publish; `"instagram"` by default. */
    platform: "instagram" | "tiktok" | "youtube";
    /**
     * Their engagement rate in percent (`4.2` is 4.2%): finite and non-negative, or `null`
     * when unknown.
     */
    engagement_rate: number | null;
    /** A field this version does not know, kept and written back. */
    [key: string]: unknown;
  }[];
  /** The CPM the campaign aims for; `min_cpm` never exceeds `max_cpm`. */
  cpm_range: {
    /** The low end; money, never negative. */
    min_cpm: Big;
    /** The high end, the CPM tracker's target max; money, never negative. */
    max_cpm: Big;
    /** A field this version does not know, kept and written back. */
    [key: string]: unknown;
  };
  /** The campaign's main platform; `"instagram"` by default. */
  platform: "instagram" | "tiktok" | "youtube";
  /** When the content should go out, in words; `"TBD"` by default (and for empty input). */
  timeline: string;
  /** When the campaign was created: an ISO 8601 date or date-time, kept as the string given. */
  created_at: string;
  /** About the brand; `null` when absent. */
  background: {
    /** The brand's website, or `null`. */
    client_website: string | null;
    /** Who runs the campaign at the brand, or `null`. */
    campaign_manager: string | null;
    /** How influencers can be paid; `[]` by default. */
    payment_methods: string[];
    /** When they are paid, in words, or `null`. */
    payment_terms: string | null;
    /** A field this version does not know, kept and written back. */
    [key: string]: unknown;
  } | null;
  /** What the campaign is for; `null` when absent. */
  goals: {
    /** The main goal; non-blank. */
    primary_goal: string;
    /** Another goal, or `null`. */
    secondary_goal: string | null;
    /** Why the brand runs the campaign, or `null`. */
    business_context: string | null;
    /** What negotiations favour; `"balance"` by default. */
    optimize_for: "cpm" | "content_volume_usage_rights" | "balance";
    /** A field this version does not know, kept and written back. */
    [key: string]: unknown;
  } | null;
  /** The content asked for; `null` when absent. At least one scenario is set. */
  deliverables: {
    /** Each deliverable, in words. */
    target_deliverables: string[];
    /** Whether the brand may syndicate the content; `false` by default. */
    content_syndication: boolean;
    /** A package to offer, in words, or `null`. */
    scenario_1: string | null;
    /** Another package, or `null`. */
    scenario_2: string | null;
    /** A third package, or `null`. */
    scenario_3: string | null;
    /** A field this version does not know, kept and written back. */
    [key: string]: unknown;
  } | null;
  /** The usage rights asked for; `null` when absent. */
  usage_rights: {
    /** The rights to aim for. */
    target: UsageRightTerms;
    /** The rights to accept at least; none longer than its target. */
    minimum: UsageRightTerms;
    /** A field this version does not know, kept and written back. */
    [key: string]: unknown;
  } | null;
  /** Limits on spending; `null` when absent. */
  budget_constraints: {
    /** The budget for the influencers; money, never negative. */
    campaign_budget: Big;
    /** How many influencers to book (a non-negative integer), or `null`. */
    target_influencer_count: number | null;
    /** The cost range per influencer, in words, or `null`. */
    target_cost_range: string | null;
    /** The least to pay one influencer; money or `null`. */
    min_cost_per_influencer: Big | null;
    /** The most to agree to without the brand's approval; money or `null`. */
    max_cost_without_approval: Big | null;
    /** The CPM to aim for; money or `null`. */
    cpm_target: Big | null;
    /** How far above `cpm_target` may be accepted, in percent; a decimal or `null`. */
    cpm_leniency_pct: Big | null;
    /** A field this version does not know, kept and written back. */
    [key: string]: unknown;
  } | null;
  /** A product to offer alongside the fee; `null` when absent. */
  product_leverage: {
    /** Whether there is one; `false` by default. */
    product_available: boolean;
    /** What it is, or `null`. */
    product_description: string | null;
    /** What it is worth; money or `null`. */
    product_monetary_value: Big | null;
    /** A field this version does not know, kept and written back. */
    [key: string]: unknown;
  } | null;
  /** Terms the influencer must accept; `null` when absent. */
  requirements: {
    /** Whether the influencer must not work with competitors; `false` by default. */
    exclusivity_required: boolean;
    /** For how long, in words, or `null`. */
    exclusivity_term: string | null;
    /** Which competitors, in words, or `null`. */
    exclusivity_description: string | null;
    /** Whether the content must also be posted organically; `false` by default. */
    content_posted_organically: boolean;
    /** Whether the brand approves the content before it goes out; `false` by default. */
    content_approval_required: boolean;
    /** How many rounds of revisions are included; a non-negative integer, `0` by default. */
    revision_rounds: number;
    /** Which raw footage to hand over, in words, or `null`. */
    raw_footage_required: string | null;
    /** When the content is due, as given, or `null`. */
    content_delivery_date: string | null;
    /** When it is published, as given, or `null`. */
    content_publish_date: string | null;
    /** A field this version does not know, kept and written back. */
    [key: string]: unknown;
  } | null;
  /** How the campaign spreads over platforms, markets and audience sizes; `null` when absent. */
  distribution: {
    /** Across platforms, in words, or `null`. */
    platform_distribution: string | null;
    /** Across markets, in words, or `null`. */
    market_distribution: string | null;
    /** Across influencer sizes, in words, or `null`. */
    influencer_size_distribution: string | null;
    /** A field this version does not know, kept and written back. */
    [key: string]: unknown;
  } | null;
  /** The tab of the sheet listing the influencers, or `null`. */
  influencer_sheet_tab: string | null;
  /** The id of that sheet, or `null`. */
  influencer_sheet_id: string | null;
  /** A field this version does not know, kept and written back. */
  [key: string]: unknown;
}
