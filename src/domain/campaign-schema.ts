/**
 * The campaign's valibot schema (DESIGN §5): the fields, their defaults and the rules
 * between them, built from the field builders of `campaign-fields.ts`.
 *
 * Issue paths are dotted, with list positions in brackets: `cpm_range.min_cpm`,
 * `influencers[1].name`, `usage_rights.minimum.paid_usage`; `""` is the campaign itself.
 */
import * as v from "valibot";
import type { Campaign } from "./campaign.js";
import {
  count,
  expected,
  flag,
  isoDateTime,
  money,
  nonBlank,
  oneOf,
  optionalMoney,
  optionalText,
  orNull,
  record,
  text,
  textList,
} from "./campaign-fields.js";
import { formatMoney } from "./money.js";

const PLATFORMS = ["instagram", "tiktok", "youtube"] as const;
const OPTIMIZE_FOR = ["cpm", "content_volume_usage_rights", "balance"] as const;
/** Usage-right durations, shortest first: the order decides "minimum exceeds target". */
const RIGHT_LEVELS = [
  "not_required",
  "days_30",
  "days_60",
  "days_90",
  "months_6",
  "year_1",
  "perpetual",
] as const;
type UsageRight = "paid_usage" | "whitelisting" | "organic_owned";

/** One of the campaign's influencers. */
/* @__NO_SIDE_EFFECTS__ */
function influencer() {
  return record({
    name: nonBlank(),
    platform: oneOf(PLATFORMS, "instagram"),
    engagement_rate: orNull(
      v.pipe(
        v.number(expected("a finite non-negative number or null")),
        v.finite(expected("a finite non-negative number or null")),
        v.minValue(0, expected("a finite non-negative number or null")),
      ),
    ),
  });
}

/** The CPM range, refusing at `min_cpm` a minimum above the maximum. */
/* @__NO_SIDE_EFFECTS__ */
function cpmRange() {
  return v.pipe(
    record({ min_cpm: money(), max_cpm: money() }),
    v.forward(
      v.partialCheck(
        [["min_cpm"], ["max_cpm"]],
        (range) => range.min_cpm.lte(range.max_cpm),
        (issue) =>
          `must not exceed max_cpm (${formatMoney(issue.input.min_cpm)} > ${formatMoney(issue.input.max_cpm)})`,
      ),
      ["min_cpm"],
    ),
  );
}

/** One set of usage-right durations, each `not_required` by default. */
/* @__NO_SIDE_EFFECTS__ */
function rights() {
  return record({
    paid_usage: oneOf(RIGHT_LEVELS, "not_required"),
    whitelisting: oneOf(RIGHT_LEVELS, "not_required"),
    organic_owned: oneOf(RIGHT_LEVELS, "not_required"),
  });
}

type RightLevels = Record<UsageRight, (typeof RIGHT_LEVELS)[number]>;
type UsageRights = { target: RightLevels; minimum: RightLevels };

/** Refuses, at `minimum.<right>`, a minimum longer than the target. */
function minimumWithinTarget(right: UsageRight) {
  return v.forward<UsageRights, v.BaseIssue<unknown>, readonly ["minimum", UsageRight]>(
    v.partialCheck(
      [
        ["minimum", right],
        ["target", right],
      ],
      (usage) =>
        RIGHT_LEVELS.indexOf(usage.minimum[right]) <= RIGHT_LEVELS.indexOf(usage.target[right]),
      (issue) =>
        `must not exceed target.${right} (${issue.input.minimum[right]} > ${issue.input.target[right]})`,
    ),
    ["minimum", right],
  );
}

/** The target and minimum usage rights, no minimum longer than its target. */
/* @__NO_SIDE_EFFECTS__ */
function usageRights() {
  return v.pipe(
    record({ target: rights(), minimum: rights() }),
    minimumWithinTarget("paid_usage"),
    minimumWithinTarget("whitelisting"),
    minimumWithinTarget("organic_owned"),
  );
}

/** The deliverables group, with at least one scenario. */
/* @__NO_SIDE_EFFECTS__ */
function deliverables() {
  return v.pipe(
    record({
      target_deliverables: textList(),
      content_syndication: flag(),
      scenario_1: optionalText(),
      scenario_2: optionalText(),
      scenario_3: optionalText(),
    }),
    v.partialCheck(
      [["scenario_1"], ["scenario_2"], ["scenario_3"]],
      (group) =>
        group.scenario_1 !== null || group.scenario_2 !== null || group.scenario_3 !== null,
      "needs at least one scenario (scenario_1, scenario_2 or scenario_3)",
    ),
  );
}

/**
 * The campaign schema (DESIGN §5). Parsing turns money into `Big`, applies the defaults,
 * turns empty optional text (`0`, `""`, any non-string) into `null`, gives every absent
 * optional field `null` and keeps unknown fields at every level, after the known ones.
 * Entries are declared in the Python service's output order, which the JSON form keeps.
 *
 * Typed as a valibot schema from any input to a {@link Campaign}, so it composes with
 * valibot's own functions; {@link parseCampaign} runs it and throws the package's error.
 *
 * @example
 * import * as v from "valibot";
 * const result = v.safeParse(CampaignSchema, input);
 * if (result.success) console.log(result.output.cpm_range.max_cpm.toFixed());
 */
export const CampaignSchema: v.GenericSchema<unknown, Campaign> = record({
  campaign_id: nonBlank(),
  client_name: nonBlank(),
  budget: money(),
  target_deliverables: nonBlank(),
  influencers: /* @__PURE__ */ v.nullish(
    /* @__PURE__ */ v.array(influencer(), expected("a list")),
    () => [],
  ),
  cpm_range: cpmRange(),
  platform: oneOf(PLATFORMS, "instagram"),
  timeline: text("TBD"),
  created_at: isoDateTime(),
  background: orNull(
    record({
      client_website: optionalText(),
      campaign_manager: optionalText(),
      payment_methods: /* @__PURE__ */ v.nullish(textList(), () => []),
      payment_terms: optionalText(),
    }),
  ),
  goals: orNull(
    record({
      primary_goal: nonBlank(),
      secondary_goal: optionalText(),
      business_context: optionalText(),
      optimize_for: oneOf(OPTIMIZE_FOR, "balance"),
    }),
  ),
  deliverables: orNull(deliverables()),
  usage_rights: orNull(usageRights()),
  budget_constraints: orNull(
    record({
      campaign_budget: money(),
      target_influencer_count: orNull(count()),
      target_cost_range: optionalText(),
      min_cost_per_influencer: optionalMoney(),
      max_cost_without_approval: optionalMoney(),
      cpm_target: optionalMoney(),
      cpm_leniency_pct: optionalMoney(),
    }),
  ),
  product_leverage: orNull(
    record({
      product_available: flag(),
      product_description: optionalText(),
      product_monetary_value: optionalMoney(),
    }),
  ),
  requirements: orNull(
    record({
      exclusivity_required: flag(),
      exclusivity_term: optionalText(),
      exclusivity_description: optionalText(),
      content_posted_organically: flag(),
      content_approval_required: flag(),
      revision_rounds: /* @__PURE__ */ v.nullish(count(), 0),
      raw_footage_required: optionalText(),
      content_delivery_date: optionalText(),
      content_publish_date: optionalText(),
    }),
  ),
  distribution: orNull(
    record({
      platform_distribution: optionalText(),
      market_distribution: optionalText(),
      influencer_size_distribution: optionalText(),
    }),
  ),
  influencer_sheet_tab: optionalText(),
  influencer_sheet_id: optionalText(),
});
