/**
 * Property: any campaign-shaped input (fields valid, missing, of the wrong type, or
 * anything at all; extra fields anywhere) is either parsed or refused with a
 * CampaignValidationError whose issues name field paths, never another exception; a parsed
 * campaign is stable (parsing it again, or writing and reading it, changes nothing); and
 * unknown fields, at every level, are kept and written back unchanged.
 */
import Big from "big.js";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import {
  type Campaign,
  deserializeCampaign,
  parseCampaign,
  serializeCampaign,
} from "../../src/domain/campaign.js";
import { CampaignValidationError } from "../../src/domain/errors.js";
import { isBigLike } from "../../src/domain/money.js";
import { campaignInput } from "../support/negotiations.js";
import { checkProperty, jsonDifference, nonNegativeDecimalCase, timeoutFor } from "./support.js";

// A default that grows with FC_RUNS, for the tests that do not set their own.
vi.setConfig({ testTimeout: timeoutFor(1000, 20) });

/** The campaign's fields at each level (DESIGN §5). */
const FIELDS = {
  campaign: [
    "campaign_id",
    "client_name",
    "budget",
    "target_deliverables",
    "influencers",
    "cpm_range",
    "platform",
    "timeline",
    "created_at",
    "background",
    "goals",
    "deliverables",
    "usage_rights",
    "budget_constraints",
    "product_leverage",
    "requirements",
    "distribution",
    "influencer_sheet_tab",
    "influencer_sheet_id",
  ],
  influencer: ["name", "platform", "engagement_rate"],
  cpm_range: ["min_cpm", "max_cpm"],
  background: ["client_website", "campaign_manager", "payment_methods", "payment_terms"],
  goals: ["primary_goal", "secondary_goal", "business_context", "optimize_for"],
  deliverables: [
    "target_deliverables",
    "content_syndication",
    "scenario_1",
    "scenario_2",
    "scenario_3",
  ],
  usage_rights: ["target", "minimum"],
  rights: ["paid_usage", "whitelisting", "organic_owned"],
  budget_constraints: [
    "campaign_budget",
    "target_influencer_count",
    "target_cost_range",
    "min_cost_per_influencer",
    "max_cost_without_approval",
    "cpm_target",
    "cpm_leniency_pct",
  ],
  product_leverage: ["product_available", "product_description", "product_monetary_value"],
  requirements: [
    "exclusivity_required",
    "exclusivity_term",
    "exclusivity_description",
    "content_posted_organically",
    "content_approval_required",
    "revision_rounds",
    "raw_footage_required",
    "content_delivery_date",
    "content_publish_date",
  ],
  distribution: ["platform_distribution", "market_distribution", "influencer_size_distribution"],
} as const;

const MISSING = Symbol("missing");

/** Values of every kind fast-check makes, odd objects included. */
const ANYTHING_AT_ALL = {
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
} as const;

const anything = fc.anything(ANYTHING_AT_ALL);

/**
 * How often a field is anything at all, or absent, against `valid`: 0 (never), 1 (now and
 * then: most inputs parse) or 5 (often: most inputs are refused, for many reasons at once).
 */
type Chaos = 0 | 1 | 5;

/** Mostly `valid`; at the chaos level, sometimes anything at all, sometimes absent. */
function chaotic<T>(valid: fc.Arbitrary<T>, chaos: Chaos): fc.Arbitrary<T | unknown> {
  if (chaos === 0) return valid;
  return fc.oneof(
    { weight: 40 / chaos, arbitrary: valid },
    { weight: 1, arbitrary: anything },
    { weight: 1, arbitrary: fc.constant(MISSING) },
  );
}

/** An object of these fields, absent ones left out, plus unknown fields. */
function shape(
  fields: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(fc.record(fields, { noNullPrototype: true }), unknownFields(Object.keys(fields)))
    .map(([known, extra]) => {
      const entries = Object.entries(known).filter(([, value]) => value !== MISSING);
      return Object.fromEntries([...entries, ...Object.entries(extra)]);
    });
}

const text = fc.string({ unit: "binary", maxLength: 10 });
const nonBlank = text.filter((value) => value.trim() !== "");
const formText = fc.oneof(text, fc.constantFrom(0, "", null, false));
const money = fc.oneof(
  nonNegativeDecimalCase({ intDigits: 12, fracDigits: 12 }).map(({ text: value }) => value),
  fc.maxSafeNat(),
  nonNegativeDecimalCase({ intDigits: 6, fracDigits: 6 }).map(({ text: value }) => new Big(value)),
);
const orNull = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof(arbitrary, fc.constant(null));
const RIGHT_LEVELS = [
  "not_required",
  "days_30",
  "days_60",
  "days_90",
  "months_6",
  "year_1",
  "perpetual",
] as const;
const isoDate = fc
  .date({
    min: new Date("1900-01-01T00:00:00Z"),
    max: new Date("9999-12-31T23:59:59Z"),
    noInvalidDate: true,
  })
  .chain((date) =>
    fc.constantFrom(
      date.toISOString(),
      date.toISOString().slice(0, 10),
      `${date.toISOString().slice(0, 19)}+02:00`,
      date.toISOString().replace("T", " "),
    ),
  );

/** Unknown fields: odd keys (prototype names included), JSON values. */
const ODD_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "",
  "toString",
  "a.b",
  'q"',
  "[0]",
  "7",
  "s",
];
const jsonValue = fc.oneof(
  // -0 aside: JSON writes it as 0, a change of spelling the context test covers.
  fc.jsonValue({ maxDepth: 3 }).filter((value) => !hasNegativeZero(value)),
  fc.record(
    { s: fc.constant(1), e: fc.constant(0), c: fc.constant([5]) },
    { noNullPrototype: true },
  ),
);

function hasNegativeZero(value: unknown): boolean {
  if (Object.is(value, -0)) return true;
  return typeof value === "object" && value !== null && Object.values(value).some(hasNegativeZero);
}

function unknownFields(known: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .array(fc.tuple(fc.oneof(text, fc.constantFrom(...ODD_KEYS)), jsonValue), { maxLength: 3 })
    .map((entries) => Object.fromEntries(entries.filter(([key]) => !known.includes(key))));
}

function campaignShapedWith(chaos: Chaos): fc.Arbitrary<Record<string, unknown>> {
  const field = <T>(valid: fc.Arbitrary<T>) => chaotic(valid, chaos);
  /** An optional part of the campaign: an object of these fields, or null. */
  const section = (fields: Record<string, fc.Arbitrary<unknown>>) => field(orNull(shape(fields)));
  const rights = shape({
    paid_usage: field(orNull(fc.constantFrom(...RIGHT_LEVELS))),
    whitelisting: field(orNull(fc.constantFrom(...RIGHT_LEVELS))),
    organic_owned: field(orNull(fc.constantFrom(...RIGHT_LEVELS))),
  });

  return shape({
    campaign_id: field(nonBlank),
    client_name: field(nonBlank),
    budget: field(money),
    target_deliverables: field(nonBlank),
    influencers: field(
      orNull(
        fc.array(
          field(
            shape({
              name: field(nonBlank),
              platform: field(orNull(fc.constantFrom("instagram", "tiktok", "youtube"))),
              engagement_rate: field(
                orNull(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true })),
              ),
            }),
          ),
          { maxLength: 3 },
        ),
      ),
    ),
    cpm_range: field(shape({ min_cpm: field(money), max_cpm: field(money) })),
    platform: field(orNull(fc.constantFrom("instagram", "tiktok", "youtube"))),
    timeline: field(formText),
    created_at: field(isoDate),
    background: section({
      client_website: field(formText),
      campaign_manager: field(formText),
      payment_methods: field(orNull(fc.array(text, { maxLength: 3 }))),
      payment_terms: field(formText),
    }),
    goals: section({
      primary_goal: field(nonBlank),
      secondary_goal: field(formText),
      business_context: field(formText),
      optimize_for: field(orNull(fc.constantFrom("cpm", "content_volume_usage_rights", "balance"))),
    }),
    deliverables: section({
      target_deliverables: field(fc.array(text, { maxLength: 3 })),
      content_syndication: field(orNull(fc.boolean())),
      scenario_1: field(formText),
      scenario_2: field(formText),
      scenario_3: field(formText),
    }),
    usage_rights: section({ target: field(rights), minimum: field(rights) }),
    budget_constraints: section({
      campaign_budget: field(money),
      target_influencer_count: field(orNull(fc.maxSafeNat())),
      target_cost_range: field(formText),
      min_cost_per_influencer: field(orNull(money)),
      max_cost_without_approval: field(orNull(money)),
      cpm_target: field(orNull(money)),
      cpm_leniency_pct: field(orNull(money)),
    }),
    product_leverage: section({
      product_available: field(orNull(fc.boolean())),
      product_description: field(formText),
      product_monetary_value: field(orNull(money)),
    }),
    requirements: section({
      exclusivity_required: field(orNull(fc.boolean())),
      exclusivity_term: field(formText),
      exclusivity_description: field(formText),
      content_posted_organically: field(orNull(fc.boolean())),
      content_approval_required: field(orNull(fc.boolean())),
      revision_rounds: field(orNull(fc.nat({ max: 10 }))),
      raw_footage_required: field(formText),
      content_delivery_date: field(formText),
      content_publish_date: field(formText),
    }),
    distribution: section({
      platform_distribution: field(formText),
      market_distribution: field(formText),
      influencer_size_distribution: field(formText),
    }),
    influencer_sheet_tab: field(formText),
    influencer_sheet_id: field(formText),
  });
}

const campaignShaped = fc.oneof(
  campaignShapedWith(0),
  campaignShapedWith(1),
  campaignShapedWith(5),
);

/** JSON text of an input, or "" when JSON cannot hold it (a bigint from fc.anything). */
function jsonOf(input: unknown): string {
  try {
    return JSON.stringify(input) ?? "";
  } catch {
    return "";
  }
}

/** Parses, and returns the refusal instead of throwing it. */
function attempt(input: unknown): { campaign: Campaign } | { error: unknown } {
  try {
    return { campaign: parseCampaign(input) };
  } catch (error) {
    return { error };
  }
}

function expectNamedIssues(error: unknown, input: unknown): void {
  expect(error).toBeInstanceOf(CampaignValidationError);
  const { issues, path, message } = error as CampaignValidationError;
  expect(issues.length).toBeGreaterThan(0);
  expect(path).toBe(issues[0]?.path);
  const isObject = typeof input === "object" && input !== null && !Array.isArray(input);
  for (const issue of issues) {
    expect(issue.message).not.toBe("");
    expect(message).toContain(issue.path || "(campaign)");
    if (isObject) {
      // A field path: its first key is one of the campaign's fields; unknown fields are never judged.
      const first = issue.path.split(/[.[]/)[0] ?? "";
      expect(FIELDS.campaign as readonly string[]).toContain(first);
    } else {
      expect(issue.path).toBe("");
    }
  }
}

/** The JSON form of a parsed campaign is stable: read back and written again, it does not move. */
function expectStable(campaign: Campaign): void {
  let json: string;
  try {
    json = serializeCampaign(campaign);
  } catch (error) {
    // An unknown field JSON cannot hold (a bigint, from fc.anything) is refused, by name.
    expect(error).toBeInstanceOf(CampaignValidationError);
    return;
  }
  expect(serializeCampaign(parseCampaign(campaign))).toBe(json);
  const back = deserializeCampaign(json);
  expect(serializeCampaign(back)).toBe(json);
  for (const name of FIELDS.campaign) expect(Object.hasOwn(back, name)).toBe(true);
  for (const name of ["budget", "cpm_range"] as const) {
    const value = name === "budget" ? back.budget : back.cpm_range.min_cpm;
    expect(isBigLike(value)).toBe(true);
  }
}

describe("campaign-shaped input", () => {
  it("is parsed, or refused with CampaignValidationError whose issues name field paths", async () => {
    let parsed = 0;
    await checkProperty(
      "campaign-shaped input: parsed or refused by field path",
      fc.property(campaignShaped, (input) => {
        const outcome = attempt(input);
        if ("error" in outcome) {
          expectNamedIssues(outcome.error, input);
          return;
        }
        parsed++;
        expectStable(outcome.campaign);
      }),
      1000,
    );
    console.log(`[properties]   of which parsed: ${parsed}`);
    expect(parsed).toBeGreaterThan(0);
  });

  it("anything at all (not campaign-shaped) is refused with CampaignValidationError, never another error", async () => {
    await checkProperty(
      "anything as a campaign: refused with CampaignValidationError",
      fc.property(fc.anything({ ...ANYTHING_AT_ALL, withObjectString: true }), (input) => {
        const outcome = attempt(input);
        expect("error" in outcome).toBe(true);
        if ("error" in outcome) expectNamedIssues(outcome.error, input);
        expect(() => deserializeCampaign(input as string)).toThrow(CampaignValidationError);
      }),
      1000,
    );
  });

  it("any text is refused by deserializeCampaign with CampaignValidationError, or read as a campaign", async () => {
    await checkProperty(
      "campaign_json text: read or refused with CampaignValidationError",
      fc.property(
        fc.oneof(fc.string({ unit: "binary" }), fc.json(), campaignShaped.map(jsonOf)),
        (json) => {
          try {
            deserializeCampaign(json);
          } catch (error) {
            expect(error).toBeInstanceOf(CampaignValidationError);
          }
        },
      ),
      1000,
    );
  });

  it("an input whose fields cannot be read (throwing getter, hostile proxy) is refused, never a raw error", async () => {
    await checkProperty(
      "unreadable campaign input refused",
      fc.property(
        fc.constantFrom(...FIELDS.campaign),
        fc.constantFrom("getter", "proxy get", "proxy ownKeys", "proxy getOwnPropertyDescriptor"),
        (name, how) => {
          const base = campaignInput();
          let input: object;
          if (how === "getter") {
            input = Object.defineProperty({ ...base }, name, {
              enumerable: true,
              get() {
                throw new Error("boom");
              },
            });
          } else {
            const trap = how.slice("proxy ".length) as
              | "get"
              | "ownKeys"
              | "getOwnPropertyDescriptor";
            input = new Proxy(base, {
              [trap]: () => {
                throw new Error("boom");
              },
            });
          }
          const outcome = attempt(input);
          expect("error" in outcome).toBe(true);
          if ("error" in outcome) {
            expect(outcome.error).toBeInstanceOf(CampaignValidationError);
            expect((outcome.error as CampaignValidationError).issues[0]?.message).toContain("boom");
          }
        },
      ),
      200,
    );
  });
});

describe("unknown fields", () => {
  /** Where unknown fields go, and the level's own fields (which they must not be). */
  const LEVELS: readonly {
    readonly at: readonly (string | number)[];
    readonly known: readonly string[];
  }[] = [
    { at: [], known: FIELDS.campaign },
    { at: ["cpm_range"], known: FIELDS.cpm_range },
    { at: ["influencers", 0], known: FIELDS.influencer },
    { at: ["background"], known: FIELDS.background },
    { at: ["goals"], known: FIELDS.goals },
    { at: ["deliverables"], known: FIELDS.deliverables },
    { at: ["usage_rights"], known: FIELDS.usage_rights },
    { at: ["usage_rights", "target"], known: FIELDS.rights },
    { at: ["usage_rights", "minimum"], known: FIELDS.rights },
    { at: ["budget_constraints"], known: FIELDS.budget_constraints },
    { at: ["product_leverage"], known: FIELDS.product_leverage },
    { at: ["requirements"], known: FIELDS.requirements },
    { at: ["distribution"], known: FIELDS.distribution },
  ];

  const full = () =>
    campaignInput({
      influencers: [{ name: "Ava", platform: "tiktok", engagement_rate: 4.2 }],
      background: { client_website: "https://acme.example" },
      goals: { primary_goal: "Awareness" },
      deliverables: { target_deliverables: ["reel"], scenario_1: "1 reel" },
      usage_rights: { target: { paid_usage: "days_90" }, minimum: {} },
      budget_constraints: { campaign_budget: "25000" },
      product_leverage: { product_description: "Kit" },
      requirements: { exclusivity_term: "30 days" },
      distribution: { market_distribution: "US" },
    });

  const at = (root: unknown, path: readonly (string | number)[]): Record<string, unknown> =>
    path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root) as Record<
      string,
      unknown
    >;

  it("are kept at every level, in order after the known ones, and written back unchanged", async () => {
    const extras = fc.array(
      fc.tuple(
        fc.nat({ max: LEVELS.length - 1 }),
        fc.oneof(text, fc.constantFrom(...ODD_KEYS)),
        jsonValue,
      ),
      { minLength: 1, maxLength: 6 },
    );
    await checkProperty(
      "unknown campaign fields kept (parse, serialize, deserialize)",
      fc.property(extras, (entries) => {
        const input = full();
        const added = new Map<number, Map<string, unknown>>();
        for (const [level, key, value] of entries) {
          const { at: path, known } = LEVELS[level] as (typeof LEVELS)[number];
          if (known.includes(key)) continue;
          Object.defineProperty(at(input, path), key, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
          if (!added.has(level)) added.set(level, new Map());
          added.get(level)?.set(key, value);
        }
        const parsed = parseCampaign(input);
        const json = serializeCampaign(parsed);
        const written = JSON.parse(json) as unknown;
        const back = deserializeCampaign(json);
        for (const [level, fields] of added) {
          const { at: path, known } = LEVELS[level] as (typeof LEVELS)[number];
          for (const view of [parsed, written, back]) {
            const object = at(view, path);
            const keys = Object.keys(object);
            // Known fields first, then the unknown ones in the order they were given.
            const unknownKeys = keys.filter((name) => !known.includes(name));
            expect(unknownKeys).toEqual(
              Object.keys(at(input, path)).filter((name) => !known.includes(name)),
            );
            for (const [key, value] of fields) {
              expect(Object.hasOwn(object, key), `${path.join(".")}.${key}`).toBe(true);
              expect(
                jsonDifference(Object.getOwnPropertyDescriptor(object, key)?.value, value),
              ).toBeNull();
            }
          }
        }
        expect(serializeCampaign(back)).toBe(json);
      }),
      500,
    );
  });

  it("keeps the keys valibot drops (regression: __proto__, constructor and prototype were lost)", () => {
    const input = JSON.parse(
      '{"campaign_id":"c","client_name":"Acme","budget":"1","target_deliverables":"1 reel","cpm_range":{"min_cpm":"1","max_cpm":"2","constructor":"x"},"created_at":"2026-01-15","__proto__":{"polluted":true},"prototype":[1],"after":2}',
    ) as Record<string, unknown>;
    const json = serializeCampaign(parseCampaign(input));
    expect(json).toMatch(
      /"influencer_sheet_id":null,"__proto__":\{"polluted":true\},"prototype":\[1\],"after":2\}$/,
    );
    expect(json).toContain('"cpm_range":{"min_cpm":"1","max_cpm":"2","constructor":"x"}');
    const back = deserializeCampaign(json);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect((back as Record<string, unknown>).polluted).toBeUndefined();
    expect(serializeCampaign(back)).toBe(json);
  });

  it("keeps a Big-shaped unknown field as the object it is (regression: it was written as a decimal string)", () => {
    const json = serializeCampaign(campaignInput({ extra: { s: 1, e: 0, c: [5] } }));
    expect(json).toContain('"extra":{"s":1,"e":0,"c":[5]}');
    expect(serializeCampaign(deserializeCampaign(json))).toBe(json);
  });
});
