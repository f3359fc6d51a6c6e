/**
 * The campaign a negotiation belongs to: its valibot schema and its JSON form, the
 * `campaign_json` column shared with the Python service (DESIGN §4 and §5).
 *
 * Issue paths are dotted, with list positions in brackets: `cpm_range.min_cpm`,
 * `influencers[1].name`, `usage_rights.minimum.paid_usage`; `""` is the campaign itself.
 */
import type { Big } from "big.js";
import * as v from "valibot";
import { describeValue, errorMessage } from "../errors/negotiation-error.js";
import { ValidationError } from "../errors/validation-error.js";
import { type CampaignIssue, CampaignValidationError } from "./errors.js";
import {
  formatMoney,
  isBigNumber,
  isWithinPlainRange,
  toMoney,
  toNonNegativeMoney,
} from "./money.js";

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

const expected = /* @__NO_SIDE_EFFECTS__ */ (what: string) => (issue: v.BaseIssue<unknown>) =>
  `must be ${what}, got ${describeValue(issue.input)}`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An object of these entries; unknown fields are kept, after the known ones. */
/* @__NO_SIDE_EFFECTS__ */
function record<const TEntries extends v.ObjectEntries>(entries: TEntries) {
  const object = keepingGuardedKeys(
    v.looseObject(entries, (issue) =>
      issue.expected === "Object" ? expected("an object")(issue) : "is required",
    ),
  );
  // looseObject takes a list for an object; a list here is a mistake, not a group.
  return v.pipe(v.custom<v.InferInput<typeof object>>(isRecord, expected("an object")), object);
}

/** The keys valibot's looseObject leaves out (its guard against prototype pollution). */
const GUARDED_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/**
 * Keeps the unknown fields looseObject drops (`"__proto__"`, `"constructor"`,
 * `"prototype"`) as plain data fields, in the input's order: here they are unknown fields
 * like any other, and must be written back.
 */
function keepingGuardedKeys<
  TSchema extends v.LooseObjectSchema<
    v.ObjectEntries,
    v.ErrorMessage<v.LooseObjectIssue> | undefined
  >,
>(schema: TSchema): TSchema {
  const known = (key: string) => Object.hasOwn(schema.entries, key);
  return {
    ...schema,
    "~run"(dataset: v.UnknownDataset, config: v.Config<v.BaseIssue<unknown>>) {
      const input = dataset.value;
      const result = schema["~run"](dataset, config);
      if (
        !result.typed ||
        !isRecord(input) ||
        !GUARDED_KEYS.some((key) => Object.hasOwn(input, key) && !known(key))
      ) {
        return result;
      }
      const parsed = result.value as Record<string, unknown>;
      // defineProperty, so that "__proto__" becomes a field rather than the prototype.
      const output: Record<string, unknown> = {};
      const define = (key: string, value: unknown) =>
        Object.defineProperty(output, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      for (const key of Object.keys(parsed)) if (known(key)) define(key, parsed[key]);
      for (const key of Object.keys(input)) {
        if (!known(key)) define(key, GUARDED_KEYS.includes(key) ? input[key] : parsed[key]);
      }
      return { ...result, value: output as typeof result.value };
    },
  };
}

/** `null` when absent or null, else the value checked by `schema`. */
/* @__NO_SIDE_EFFECTS__ */
function orNull<const TSchema extends v.GenericSchema>(schema: TSchema) {
  return v.nullish(schema, null);
}

/* @__NO_SIDE_EFFECTS__ */
function nonBlank() {
  return v.pipe(
    v.string(expected("a non-blank string")),
    v.check((text) => text.trim() !== "", expected("a non-blank string")),
  );
}

/** Text from a form that sends `0` or `""` for an empty field: anything but non-empty text is `fallback`. */
/* @__NO_SIDE_EFFECTS__ */
function text<const TFallback extends string | null>(fallback: TFallback) {
  return v.optional(
    v.pipe(
      v.unknown(),
      v.transform((value): string | TFallback =>
        typeof value === "string" && value !== "" ? value : fallback,
      ),
    ),
    null,
  );
}

const optionalText = /* @__NO_SIDE_EFFECTS__ */ () => text(null);

/* @__NO_SIDE_EFFECTS__ */
function money() {
  return v.pipe(
    v.unknown(),
    v.rawTransform<unknown, Big>(({ dataset, addIssue, NEVER }) => {
      try {
        return toNonNegativeMoney(dataset.value, "");
      } catch (error) {
        // Keep money.ts's wording; the schema adds the path.
        const message = error instanceof ValidationError ? error.problem : errorMessage(error);
        addIssue({ message });
        return NEVER;
      }
    }),
  );
}

const optionalMoney = /* @__NO_SIDE_EFFECTS__ */ () => orNull(money());

/* @__NO_SIDE_EFFECTS__ */
function count() {
  const message = expected("a non-negative integer");
  return v.pipe(v.number(message), v.safeInteger(message), v.minValue(0, message));
}

/* @__NO_SIDE_EFFECTS__ */
function flag() {
  return v.nullish(v.boolean(expected("true or false")), false);
}

/* @__NO_SIDE_EFFECTS__ */
function oneOf<const TOptions extends readonly [string, ...string[]]>(
  options: TOptions,
  fallback: TOptions[number],
) {
  return v.nullish(v.picklist(options, expected(`one of ${options.join(", ")}`)), fallback);
}

/* @__NO_SIDE_EFFECTS__ */
function textList() {
  return v.array(v.string(expected("a string")), expected("a list of strings"));
}

const ISO_DATE_TIME =
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})(?:[Tt ](?<hour>\d{2}):(?<minute>\d{2})(?::(?<second>\d{2})(?:[.,]\d+)?)?(?:[Zz]|[+-](?<offsetHour>\d{2}):?(?<offsetMinute>\d{2}))?)?$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isIsoDateTime(value: string): boolean {
  const parts = ISO_DATE_TIME.exec(value)?.groups;
  if (parts === undefined) return false;
  const part = (name: string) => Number(parts[name] ?? 0);
  const [year, month, day] = [part("year"), part("month"), part("day")];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return (
    day >= 1 &&
    day <= monthDays &&
    part("hour") <= 23 &&
    part("minute") <= 59 &&
    part("second") <= 59 &&
    part("offsetHour") <= 23 &&
    part("offsetMinute") <= 59
  );
}

/* @__NO_SIDE_EFFECTS__ */
function isoDateTime() {
  const message = expected("an ISO 8601 date or date-time such as 2026-01-15T12:00:00Z");
  return v.pipe(v.string(message), v.check(isIsoDateTime, message));
}

const influencer = /* @__NO_SIDE_EFFECTS__ */ () =>
  record({
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

const cpmRange = /* @__NO_SIDE_EFFECTS__ */ () =>
  v.pipe(
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

const rights = () =>
  record({
    paid_usage: oneOf(RIGHT_LEVELS, "not_required"),
    whitelisting: oneOf(RIGHT_LEVELS, "not_required"),
    organic_owned: oneOf(RIGHT_LEVELS, "not_required"),
  });

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

const usageRights = /* @__NO_SIDE_EFFECTS__ */ () =>
  v.pipe(
    record({ target: rights(), minimum: rights() }),
    minimumWithinTarget("paid_usage"),
    minimumWithinTarget("whitelisting"),
    minimumWithinTarget("organic_owned"),
  );

const deliverables = /* @__NO_SIDE_EFFECTS__ */ () =>
  v.pipe(
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

function issuePath(issue: v.BaseIssue<unknown>): string {
  let path = "";
  for (const item of issue.path ?? []) {
    path +=
      typeof item.key === "number" ? `[${item.key}]` : `${path ? "." : ""}${String(item.key)}`;
  }
  return path;
}

/**
 * Validates a campaign and normalises it: money becomes `Big`, defaults are applied, empty
 * optional text becomes `null`, unknown fields are kept. Parsing a parsed campaign again
 * gives an equal campaign.
 *
 * @param input - A campaign object, as read from JSON or built in code; money as decimal
 *   strings, safe integers or `Big`.
 * @returns The parsed campaign.
 * @throws {@link CampaignValidationError} (code `INVALID_CAMPAIGN`) listing every refused
 *   field with its path in `issues`.
 * @example
 * const campaign = parseCampaign({
 *   campaign_id: "camp-001", client_name: "Acme Corp", budget: "10000",
 *   target_deliverables: "2 Instagram Reels", cpm_range: { min_cpm: "20", max_cpm: "30" },
 *   created_at: "2026-01-15T12:00:00Z",
 * });
 * campaign.cpm_range.max_cpm.toFixed(); // "30"
 * campaign.timeline; // "TBD"
 */
export function parseCampaign(input: unknown): Campaign {
  let result: v.SafeParseResult<typeof CampaignSchema>;
  try {
    result = v.safeParse(CampaignSchema, input);
  } catch (error) {
    // A throwing getter or proxy in the input: still a refusal, never a raw TypeError.
    throw new CampaignValidationError(
      [{ path: "", message: `could not be read: ${errorMessage(error)}` }],
      {
        cause: error,
      },
    );
  }
  if (result.success) return result.output;
  const issues: CampaignIssue[] = result.issues.map((issue) => ({
    path: issuePath(issue),
    message: issue.message,
  }));
  throw new CampaignValidationError(issues, { cause: new v.ValiError(result.issues) });
}

/**
 * Writes a campaign as the `campaign_json` column: compact JSON with every known field
 * present (`null` included) in the schema's order, money as plain decimal strings (never an
 * exponent), unknown fields kept after the known ones.
 *
 * @param campaign - A parsed campaign, or anything {@link parseCampaign} accepts.
 * @returns The JSON text.
 * @throws {@link CampaignValidationError} (code `INVALID_CAMPAIGN`) when the campaign is
 *   invalid, or when an unknown field cannot be written as JSON (a cycle, a bigint).
 */
export function serializeCampaign(campaign: Campaign | unknown): string {
  const parsed = parseCampaign(campaign);
  try {
    return JSON.stringify(parsed, function (this: Record<string, unknown>, key, value) {
      // The replacer sees a Big after its own toJSON; read the holder to catch it first.
      // An unknown field that only has a Big's fields is plain data, written as it is.
      const raw = this[key];
      if (!isBigNumber(raw)) return value;
      // Known money fields were checked by the parse; a Big in an unknown field was not:
      // toMoney refuses one too large to write in plain notation.
      return formatMoney(isWithinPlainRange(raw) ? raw : toMoney(raw, key));
    });
  } catch (error) {
    throw new CampaignValidationError(
      [{ path: "", message: `cannot be written as JSON: ${errorMessage(error)}` }],
      { cause: error },
    );
  }
}

/**
 * Reads a `campaign_json` value back into a parsed campaign.
 *
 * @param json - The JSON text, as written by {@link serializeCampaign} or the Python service.
 * @returns The parsed campaign.
 * @throws {@link CampaignValidationError} (code `INVALID_CAMPAIGN`) when the text is not
 *   JSON or the campaign is invalid.
 */
export function deserializeCampaign(json: string): Campaign {
  let data: unknown;
  try {
    if (typeof json !== "string")
      throw new TypeError(`expected a string, got ${describeValue(json)}`);
    data = JSON.parse(json);
  } catch (error) {
    throw new CampaignValidationError(
      [{ path: "", message: `is not valid JSON: ${errorMessage(error)}` }],
      { cause: error },
    );
  }
  return parseCampaign(data);
}

/**
 * A deep copy of a parsed campaign: nothing in it is shared with the original, money
 * included.
 *
 * @internal
 */
export function copyCampaign(campaign: Campaign): Campaign {
  return copyValue(campaign) as Campaign;
}

function copyValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (isBigNumber(value)) return toMoney(value, "");
  if (Array.isArray(value)) return value.map(copyValue);
  // fromEntries defines keys as data, so even a "__proto__" key stays a plain field.
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, copyValue(child)]));
}
