import { readFile } from "node:fs/promises";
import Big from "big.js";
import initSqlJs from "sql.js";
import { ValiError } from "valibot";
import { describe, expect, it } from "vitest";
import {
  type Campaign,
  deserializeCampaign,
  parseCampaign,
  serializeCampaign,
} from "../../src/domain/campaign.js";
import { type CampaignIssue, CampaignValidationError } from "../../src/domain/errors.js";

// The two distinct campaign_json values of test/fixtures/python-service.db, verbatim.
const PYTHON_FULL_CAMPAIGN =
  '{"campaign_id":"camp-001","client_name":"Acme Corp","budget":"10000","target_deliverables":"2 Instagram Reels","influencers":[{"name":"Influencer A","platform":"instagram","engagement_rate":4.5},{"name":"Zoë Ñandú 🌸","platform":"tiktok","engagement_rate":null}],"cpm_range":{"min_cpm":"20","max_cpm":"30"},"platform":"instagram","timeline":"Q1 2026","created_at":"2026-01-15T12:00:00Z","background":{"client_website":"https://acme.example","campaign_manager":"Dana Ruiz","payment_methods":["paypal","wire"],"payment_terms":"Net 30"},"goals":{"primary_goal":"Awareness for spring launch","secondary_goal":null,"business_context":"New product line","optimize_for":"cpm"},"deliverables":{"target_deliverables":["instagram_reel","instagram_story"],"content_syndication":true,"scenario_1":"1 reel + 2 stories","scenario_2":"2 reels","scenario_3":null},"usage_rights":{"target":{"paid_usage":"days_90","whitelisting":"days_60","organic_owned":"perpetual"},"minimum":{"paid_usage":"days_30","whitelisting":"not_required","organic_owned":"year_1"}},"budget_constraints":{"campaign_budget":"25000.00","target_influencer_count":12,"target_cost_range":"$1k-$3k","min_cost_per_influencer":"500","max_cost_without_approval":"3000.50","cpm_target":"25.50","cpm_leniency_pct":"10"},"product_leverage":{"product_available":true,"product_description":"Skincare kit","product_monetary_value":"89.99"},"requirements":{"exclusivity_required":true,"exclusivity_term":"30 days","exclusivity_description":"No competing skincare brands","content_posted_organically":true,"content_approval_required":true,"revision_rounds":2,"raw_footage_required":null,"content_delivery_date":"2026-03-01","content_publish_date":"2026-03-10"},"distribution":{"platform_distribution":"80% IG / 20% TikTok","market_distribution":"US","influencer_size_distribution":"micro"},"influencer_sheet_tab":"Spring Launch","influencer_sheet_id":null}';
const PYTHON_MINIMAL_CAMPAIGN =
  '{"campaign_id":"camp-002","client_name":"Globex","budget":"5000.00","target_deliverables":"2 Instagram Reels","influencers":[],"cpm_range":{"min_cpm":"18.50","max_cpm":"27.25"},"platform":"instagram","timeline":"Q1 2026","created_at":"2026-01-15T12:00:00Z","background":null,"goals":null,"deliverables":null,"usage_rights":null,"budget_constraints":null,"product_leverage":null,"requirements":null,"distribution":null,"influencer_sheet_tab":null,"influencer_sheet_id":null}';
const PYTHON_CAMPAIGNS = [PYTHON_FULL_CAMPAIGN, PYTHON_MINIMAL_CAMPAIGN];

const FIXTURE_DB = new URL("../fixtures/python-service.db", import.meta.url);

/** Drops the trailing zeros big.js drops: `"25.50"` -> `"25.5"`, `"5000.00"` -> `"5000"`. */
function normaliseDecimals(json: string): string {
  return json.replace(/"(\d+\.\d+)"/g, (_match, decimal: string) =>
    JSON.stringify(decimal.replace(/\.?0+$/, "")),
  );
}

/** A fresh minimal valid campaign: only the required fields. */
function minimal(): Record<string, unknown> {
  return {
    campaign_id: "camp-1",
    client_name: "Acme",
    budget: "10000",
    target_deliverables: "2 reels",
    cpm_range: { min_cpm: "20", max_cpm: "30" },
    created_at: "2026-01-15T12:00:00Z",
  };
}

const GROUPS = {
  background: { client_website: "https://acme.example" },
  goals: { primary_goal: "Awareness" },
  deliverables: { target_deliverables: ["reel"], scenario_1: "1 reel" },
  usage_rights: { target: {}, minimum: {} },
  budget_constraints: { campaign_budget: "25000" },
  product_leverage: { product_description: "Kit" },
  requirements: { exclusivity_term: "30 days" },
  distribution: { market_distribution: "US" },
};

/** A fresh valid campaign with every optional group present. */
function full(): Record<string, unknown> {
  return { ...minimal(), ...structuredClone(GROUPS) };
}

function withField(path: string, value: unknown, campaign = full()): Record<string, unknown> {
  const keys = path.split(".");
  const last = keys.pop() as string;
  let holder = campaign as Record<string, unknown>;
  for (const key of keys) holder = holder[key] as Record<string, unknown>;
  if (value === undefined) delete holder[last];
  else holder[last] = value;
  return campaign;
}

function issuesOf(input: unknown): readonly CampaignIssue[] {
  try {
    parseCampaign(input);
  } catch (error) {
    expect(error).toBeInstanceOf(CampaignValidationError);
    return (error as CampaignValidationError).issues;
  }
  throw new Error("expected the campaign to be refused");
}

function messageAt(input: unknown, path: string): string {
  const issue = issuesOf(input).find((candidate) => candidate.path === path);
  expect(issue, `an issue at ${path}`).toBeDefined();
  return issue?.message ?? "";
}

function valueAt(campaign: Campaign, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((holder, key) => (holder as Record<string, unknown>)[key], campaign);
}

describe("campaigns written by the Python service", () => {
  it("the literals in this test are exactly the distinct campaign_json values of the fixture", async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database(await readFile(FIXTURE_DB));
    try {
      const [result] = db.exec("SELECT DISTINCT campaign_json FROM negotiation_state");
      const stored = (result?.values ?? []).map(([json]) => json as string);
      expect(stored.sort()).toEqual([...PYTHON_CAMPAIGNS].sort());
    } finally {
      db.close();
    }
  });

  it.each(PYTHON_CAMPAIGNS)(
    "parses and writes back the same JSON up to trailing zeros: %#",
    (json) => {
      const campaign = deserializeCampaign(json);
      expect(serializeCampaign(campaign)).toBe(normaliseDecimals(json));
    },
  );

  it("reads every group of the full campaign with money as exact Big values", () => {
    const campaign = deserializeCampaign(PYTHON_FULL_CAMPAIGN);
    expect(campaign.budget_constraints?.cpm_target?.eq("25.5")).toBe(true);
    expect(campaign.budget_constraints?.max_cost_without_approval?.toFixed()).toBe("3000.5");
    expect(campaign.product_leverage?.product_monetary_value?.toFixed()).toBe("89.99");
    expect(campaign.influencers[1]).toEqual({
      name: "Zoë Ñandú 🌸",
      platform: "tiktok",
      engagement_rate: null,
    });
    expect(campaign.usage_rights?.minimum.organic_owned).toBe("year_1");
    expect(campaign.requirements?.revision_rounds).toBe(2);
  });

  it("normalises trailing zeros: 25.50 becomes 25.5 and 5000.00 becomes 5000", () => {
    const written = JSON.parse(serializeCampaign(deserializeCampaign(PYTHON_MINIMAL_CAMPAIGN)));
    expect(written.budget).toBe("5000");
    expect(written.cpm_range).toEqual({ min_cpm: "18.5", max_cpm: "27.25" });
  });
});

describe("required fields", () => {
  it.each([
    "campaign_id",
    "client_name",
    "budget",
    "target_deliverables",
    "cpm_range",
    "cpm_range.min_cpm",
    "cpm_range.max_cpm",
    "created_at",
    "goals.primary_goal",
    "deliverables.target_deliverables",
    "usage_rights.target",
    "usage_rights.minimum",
    "budget_constraints.campaign_budget",
  ])("refuses a campaign without %s, naming that path", (path) => {
    expect(messageAt(withField(path, undefined), path)).toBe("is required");
  });

  it("refuses an influencer without a name, naming influencers[1].name", () => {
    const input = { ...minimal(), influencers: [{ name: "A" }, { platform: "tiktok" }] };
    expect(issuesOf(input)).toEqual([{ path: "influencers[1].name", message: "is required" }]);
  });

  it.each(["campaign_id", "client_name", "target_deliverables", "goals.primary_goal"])(
    "refuses an empty, a whitespace-only, a null or a non-string %s",
    (path) => {
      expect(messageAt(withField(path, ""), path)).toBe('must be a non-blank string, got ""');
      expect(messageAt(withField(path, " \t\n"), path)).toBe(
        'must be a non-blank string, got " \\t\\n"',
      );
      expect(messageAt(withField(path, null), path)).toBe("must be a non-blank string, got null");
      expect(messageAt(withField(path, 42), path)).toBe(
        "must be a non-blank string, got the number 42",
      );
    },
  );

  it("refuses a blank influencer name", () => {
    const input = { ...minimal(), influencers: [{ name: "  " }] };
    expect(messageAt(input, "influencers[0].name")).toContain("non-blank");
  });

  it("keeps required text exactly as given, surrounding spaces included", () => {
    expect(parseCampaign({ ...minimal(), client_name: " Acme " }).client_name).toBe(" Acme ");
  });
});

describe("defaults", () => {
  it.each([
    ["absent", undefined],
    ["null", null],
  ])("applies every top-level default when the field is %s", (_label, value) => {
    const input = { ...minimal(), influencers: value, platform: value, timeline: value };
    const campaign = parseCampaign(input);
    expect(campaign.influencers).toEqual([]);
    expect(campaign.platform).toBe("instagram");
    expect(campaign.timeline).toBe("TBD");
  });

  it("gives a fresh influencers list to each campaign", () => {
    const first = parseCampaign(minimal());
    first.influencers.push({ name: "A", platform: "instagram", engagement_rate: null });
    expect(parseCampaign(minimal()).influencers).toEqual([]);
  });

  it("treats an empty or non-string timeline like an absent one: TBD", () => {
    expect(parseCampaign({ ...minimal(), timeline: "" }).timeline).toBe("TBD");
    expect(parseCampaign({ ...minimal(), timeline: 0 }).timeline).toBe("TBD");
    expect(parseCampaign({ ...minimal(), timeline: "Q2" }).timeline).toBe("Q2");
  });

  it("gives an influencer platform instagram and engagement_rate null by default", () => {
    const campaign = parseCampaign({ ...minimal(), influencers: [{ name: "A" }] });
    expect(campaign.influencers).toEqual([
      { name: "A", platform: "instagram", engagement_rate: null },
    ]);
  });

  it("sets every optional group to null when absent or null", () => {
    const groups = Object.keys(GROUPS);
    const absent = parseCampaign(minimal());
    const nulls = parseCampaign({
      ...minimal(),
      ...Object.fromEntries(groups.map((g) => [g, null])),
    });
    for (const group of groups) {
      expect(valueAt(absent, group)).toBeNull();
      expect(valueAt(nulls, group)).toBeNull();
    }
  });

  it("applies every default inside the groups", () => {
    const campaign = parseCampaign(full());
    expect(campaign.background?.payment_methods).toEqual([]);
    expect(campaign.goals?.optimize_for).toBe("balance");
    expect(campaign.deliverables?.content_syndication).toBe(false);
    expect(campaign.usage_rights).toEqual({
      target: {
        paid_usage: "not_required",
        whitelisting: "not_required",
        organic_owned: "not_required",
      },
      minimum: {
        paid_usage: "not_required",
        whitelisting: "not_required",
        organic_owned: "not_required",
      },
    });
    expect(campaign.product_leverage?.product_available).toBe(false);
    expect(campaign.requirements).toMatchObject({
      exclusivity_required: false,
      content_posted_organically: false,
      content_approval_required: false,
      revision_rounds: 0,
    });
  });

  it("applies the group defaults for null values as well", () => {
    const input = full();
    withField("goals.optimize_for", null, input);
    withField("requirements.revision_rounds", null, input);
    withField("requirements.exclusivity_required", null, input);
    withField("background.payment_methods", null, input);
    withField("usage_rights.target", { paid_usage: null }, input);
    const campaign = parseCampaign(input);
    expect(campaign.goals?.optimize_for).toBe("balance");
    expect(campaign.requirements?.revision_rounds).toBe(0);
    expect(campaign.requirements?.exclusivity_required).toBe(false);
    expect(campaign.background?.payment_methods).toEqual([]);
    expect(campaign.usage_rights?.target.paid_usage).toBe("not_required");
  });
});

describe("money", () => {
  it.each([
    ["a decimal string", "25.50", "25.5"],
    ["an exponent string 1E+3", "1E+3", "1000"],
    ["an exponent string 0E-7", "0E-7", "0"],
    ["a safe integer", 10000, "10000"],
    ["a Big", new Big("12.345"), "12.345"],
    ["a Big-shaped value from another copy of big.js", { s: 1, e: 1, c: [2, 5] }, "25"],
  ])("accepts %s", (_label, budget, expected) => {
    const campaign = parseCampaign({ ...minimal(), budget });
    expect(campaign.budget).toBeInstanceOf(Object);
    expect(campaign.budget.toFixed()).toBe(expected);
  });

  it("keeps values exactly, beyond what a JS number holds", () => {
    const budget = "12345678901234567890.123456789";
    expect(parseCampaign({ ...minimal(), budget }).budget.toFixed()).toBe(budget);
  });

  it.each([
    ["a fractional number", 1.5, "got the number 1.5; pass a decimal string or a Big"],
    ["NaN", Number.NaN, "got the number NaN; pass a decimal string or a Big"],
    [
      "Infinity",
      Number.POSITIVE_INFINITY,
      "got the number Infinity; pass a decimal string or a Big",
    ],
    ["an unsafe integer", 2 ** 60, "pass a decimal string or a Big"],
    ["a boolean", true, "pass a decimal string or a Big"],
    ["null", null, "got null; pass a decimal string or a Big"],
  ])("refuses %s, naming the path and saying to pass a string or a Big", (_label, value, text) => {
    expect(messageAt({ ...minimal(), budget: value }, "budget")).toContain(text);
    const input = withField("budget_constraints.cpm_target", value);
    if (value !== null) expect(messageAt(input, "budget_constraints.cpm_target")).toContain(text);
  });

  it('refuses a non-decimal string such as "abc" with money.ts\'s message', () => {
    expect(messageAt({ ...minimal(), budget: "abc" }, "budget")).toBe(
      'expected a decimal string such as "25.50", got "abc"',
    );
  });

  it.each(["-1", "-0.01", -5, new Big("-3")])("refuses the negative amount %s", (value) => {
    expect(messageAt(withField("cpm_range.max_cpm", value), "cpm_range.max_cpm")).toMatch(
      /^must not be negative, got -/,
    );
  });

  it("accepts min_cpm equal to max_cpm and refuses min_cpm above max_cpm at cpm_range.min_cpm", () => {
    expect(
      parseCampaign({ ...minimal(), cpm_range: { min_cpm: "30", max_cpm: "30.0" } }),
    ).toBeTruthy();
    expect(issuesOf({ ...minimal(), cpm_range: { min_cpm: "30.01", max_cpm: "30" } })).toEqual([
      { path: "cpm_range.min_cpm", message: "must not exceed max_cpm (30.01 > 30)" },
    ]);
  });

  it("compares min and max as decimals, not as text", () => {
    expect(
      parseCampaign({ ...minimal(), cpm_range: { min_cpm: "9", max_cpm: "10" } }),
    ).toBeTruthy();
  });
});

describe("optional money and integer fields", () => {
  const optionalMoney = [
    "budget_constraints.min_cost_per_influencer",
    "budget_constraints.max_cost_without_approval",
    "budget_constraints.cpm_target",
    "budget_constraints.cpm_leniency_pct",
    "product_leverage.product_monetary_value",
  ];

  it.each(optionalMoney)("reads %s as null when absent or null, as a Big when given", (path) => {
    expect(valueAt(parseCampaign(withField(path, undefined)), path)).toBeNull();
    expect(valueAt(parseCampaign(withField(path, null)), path)).toBeNull();
    expect((valueAt(parseCampaign(withField(path, "7.25")), path) as Big).toFixed()).toBe("7.25");
  });

  it.each(optionalMoney)("refuses an invalid %s", (path) => {
    expect(messageAt(withField(path, "abc"), path)).toContain("expected a decimal string");
    expect(messageAt(withField(path, ""), path)).toContain("expected a decimal string");
    expect(messageAt(withField(path, "-1"), path)).toContain("must not be negative");
  });

  it("reads target_influencer_count as null when absent or null and as the integer when given", () => {
    const path = "budget_constraints.target_influencer_count";
    expect(valueAt(parseCampaign(withField(path, undefined)), path)).toBeNull();
    expect(valueAt(parseCampaign(withField(path, null)), path)).toBeNull();
    expect(valueAt(parseCampaign(withField(path, 12)), path)).toBe(12);
  });

  it.each(["budget_constraints.target_influencer_count", "requirements.revision_rounds"])(
    "refuses a fractional, negative, non-finite or text %s",
    (path) => {
      for (const value of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, "12"]) {
        expect(messageAt(withField(path, value), path)).toMatch(
          /^must be a non-negative integer, got /,
        );
      }
    },
  );
});

describe("optional text fields", () => {
  const optionalText = [
    "background.client_website",
    "background.campaign_manager",
    "background.payment_terms",
    "goals.secondary_goal",
    "goals.business_context",
    "deliverables.scenario_2",
    "budget_constraints.target_cost_range",
    "product_leverage.product_description",
    "requirements.exclusivity_term",
    "requirements.exclusivity_description",
    "requirements.raw_footage_required",
    "requirements.content_delivery_date",
    "requirements.content_publish_date",
    "distribution.platform_distribution",
    "distribution.market_distribution",
    "distribution.influencer_size_distribution",
    "influencer_sheet_tab",
    "influencer_sheet_id",
  ];

  it.each(optionalText)(
    "turns 0, an empty string, false, a list or an absent %s into null",
    (path) => {
      for (const value of [0, "", false, ["x"], undefined, null]) {
        expect(valueAt(parseCampaign(withField(path, value)), path)).toBeNull();
      }
    },
  );

  it.each(optionalText)("keeps a non-empty %s as given", (path) => {
    expect(valueAt(parseCampaign(withField(path, " yes ")), path)).toBe(" yes ");
  });
});

describe("booleans, enums and lists", () => {
  it.each([
    "deliverables.content_syndication",
    "product_leverage.product_available",
    "requirements.exclusivity_required",
    "requirements.content_posted_organically",
    "requirements.content_approval_required",
  ])("keeps a boolean %s and refuses a non-boolean one", (path) => {
    expect(valueAt(parseCampaign(withField(path, true)), path)).toBe(true);
    expect(messageAt(withField(path, "yes"), path)).toBe('must be true or false, got "yes"');
    expect(messageAt(withField(path, 1), path)).toBe("must be true or false, got the number 1");
  });

  it("refuses an unknown platform, optimize_for or usage-right level, naming the choices", () => {
    const input = full();
    withField("platform", "myspace", input);
    withField("goals.optimize_for", "speed", input);
    withField("usage_rights.target.whitelisting", "days_45", input);
    input.influencers = [{ name: "A", platform: "TikTok" }];
    expect(issuesOf(input)).toEqual([
      {
        path: "influencers[0].platform",
        message: 'must be one of instagram, tiktok, youtube, got "TikTok"',
      },
      { path: "platform", message: 'must be one of instagram, tiktok, youtube, got "myspace"' },
      {
        path: "goals.optimize_for",
        message: 'must be one of cpm, content_volume_usage_rights, balance, got "speed"',
      },
      {
        path: "usage_rights.target.whitelisting",
        message:
          'must be one of not_required, days_30, days_60, days_90, months_6, year_1, perpetual, got "days_45"',
      },
    ]);
  });

  it.each([-0.1, Number.NaN, Number.POSITIVE_INFINITY, "4.5"])(
    "refuses the engagement rate %s",
    (engagement_rate) => {
      const input = { ...minimal(), influencers: [{ name: "A", engagement_rate }] };
      expect(messageAt(input, "influencers[0].engagement_rate")).toMatch(
        /^must be a finite non-negative number or null, got /,
      );
    },
  );

  it("refuses lists that are not lists of strings", () => {
    const input = full();
    withField("deliverables.target_deliverables", "reel", input);
    withField("background.payment_methods", ["wire", 3], input);
    input.influencers = "A";
    expect(issuesOf(input)).toEqual([
      { path: "influencers", message: 'must be a list, got "A"' },
      { path: "background.payment_methods[1]", message: "must be a string, got the number 3" },
      {
        path: "deliverables.target_deliverables",
        message: 'must be a list of strings, got "reel"',
      },
    ]);
  });

  it("refuses a group or an influencer given as a list or a string instead of an object", () => {
    const input = { ...full(), goals: ["Awareness"], distribution: "US", influencers: [[]] };
    expect(issuesOf(input)).toEqual([
      { path: "influencers[0]", message: "must be an object, got a list" },
      { path: "goals", message: "must be an object, got a list" },
      { path: "distribution", message: 'must be an object, got "US"' },
    ]);
  });
});

describe("rules between fields", () => {
  it.each(["paid_usage", "whitelisting", "organic_owned"])(
    "refuses a minimum %s above its target at usage_rights.minimum.%s",
    (right) => {
      const input = full();
      input.usage_rights = { target: { [right]: "days_60" }, minimum: { [right]: "days_90" } };
      expect(issuesOf(input)).toEqual([
        {
          path: `usage_rights.minimum.${right}`,
          message: `must not exceed target.${right} (days_90 > days_60)`,
        },
      ]);
    },
  );

  it("accepts a minimum equal to or below the target, by duration order not by name", () => {
    const input = full();
    input.usage_rights = {
      target: { paid_usage: "year_1", whitelisting: "days_30", organic_owned: "perpetual" },
      minimum: { paid_usage: "months_6", whitelisting: "days_30", organic_owned: "not_required" },
    };
    expect(parseCampaign(input).usage_rights?.minimum.paid_usage).toBe("months_6");
  });

  it("refuses a minimum above a target left at its default not_required", () => {
    const input = full();
    input.usage_rights = { target: {}, minimum: { whitelisting: "days_30" } };
    expect(messageAt(input, "usage_rights.minimum.whitelisting")).toBe(
      "must not exceed target.whitelisting (days_30 > not_required)",
    );
  });

  it("refuses deliverables without any scenario, counting 0 and empty text as none", () => {
    const input = full();
    input.deliverables = { target_deliverables: ["reel"], scenario_1: "", scenario_2: 0 };
    expect(issuesOf(input)).toEqual([
      {
        path: "deliverables",
        message: "needs at least one scenario (scenario_1, scenario_2 or scenario_3)",
      },
    ]);
  });

  it("accepts deliverables with only scenario_3", () => {
    const input = full();
    input.deliverables = { target_deliverables: [], scenario_3: "3 stories" };
    expect(parseCampaign(input).deliverables).toEqual({
      target_deliverables: [],
      content_syndication: false,
      scenario_1: null,
      scenario_2: null,
      scenario_3: "3 stories",
    });
  });
});

describe("created_at", () => {
  it.each([
    "2026-01-15",
    "2026-01-15T12:00:00Z",
    "2026-01-15T12:00:00.123+02:00",
    "2026-01-15T12:00:00",
    "2026-01-15T12:00Z",
    "2026-01-15 12:00:00+0530",
    "2024-02-29T23:59:59.999999-08:00",
  ])("keeps %s verbatim", (created_at) => {
    expect(parseCampaign({ ...minimal(), created_at }).created_at).toBe(created_at);
  });

  it.each([
    "2026-13-01",
    "2026-00-10",
    "2026-02-30",
    "2025-02-29",
    "2026-04-31",
    "2026-01-15T24:00:00Z",
    "2026-01-15T12:60:00Z",
    "2026-01-15T12:00:60Z",
    "2026-01-15T12:00:00+25:00",
    "2026-01-15T12",
    "2026-1-15",
    "15/01/2026",
    "yesterday",
    "",
    1768478400000,
    new Date("2026-01-15T12:00:00Z"),
  ])("refuses %s", (created_at) => {
    expect(messageAt({ ...minimal(), created_at }, "created_at")).toMatch(
      /^must be an ISO 8601 date or date-time such as 2026-01-15T12:00:00Z, got /,
    );
  });
});

describe("unknown fields", () => {
  function withUnknownFields(): Record<string, unknown> {
    const input = full();
    input.extra_top = { nested: [1, "two"] };
    input.influencers = [{ name: "A", handle: "@a" }];
    withField("cpm_range.currency", "USD", input);
    withField("goals.okr", "Q1-3", input);
    withField("usage_rights.target.territory", "US", input);
    return input;
  }

  it("keeps unknown fields at the top level, in groups, in influencers and in nested objects", () => {
    const campaign = parseCampaign(withUnknownFields()) as Record<string, unknown> & Campaign;
    expect(campaign.extra_top).toEqual({ nested: [1, "two"] });
    expect(campaign.influencers[0]).toEqual({
      name: "A",
      platform: "instagram",
      engagement_rate: null,
      handle: "@a",
    });
    expect(campaign.cpm_range).toMatchObject({ currency: "USD" });
    expect(campaign.goals).toMatchObject({ okr: "Q1-3" });
    expect(campaign.usage_rights?.target).toMatchObject({ territory: "US" });
  });

  it("writes unknown fields back, after the known ones of their object", () => {
    const written = JSON.parse(serializeCampaign(withUnknownFields()));
    expect(Object.keys(written).at(-1)).toBe("extra_top");
    expect(written.extra_top).toEqual({ nested: [1, "two"] });
    expect(Object.keys(written.influencers[0])).toEqual([
      "name",
      "platform",
      "engagement_rate",
      "handle",
    ]);
    expect(written.cpm_range).toEqual({ min_cpm: "20", max_cpm: "30", currency: "USD" });
    expect(written.goals.okr).toBe("Q1-3");
    expect(written.usage_rights.target.territory).toBe("US");
  });

  it("writes a Big inside an unknown field as a plain decimal string", () => {
    const written = JSON.parse(serializeCampaign({ ...minimal(), fee: new Big("1e-7") }));
    expect(written.fee).toBe("0.0000001");
  });
});

describe("serializeCampaign", () => {
  it("writes compact JSON with every field in the Python order, nulls and defaults included", () => {
    expect(serializeCampaign(minimal())).toBe(
      '{"campaign_id":"camp-1","client_name":"Acme","budget":"10000","target_deliverables":"2 reels",' +
        '"influencers":[],"cpm_range":{"min_cpm":"20","max_cpm":"30"},"platform":"instagram",' +
        '"timeline":"TBD","created_at":"2026-01-15T12:00:00Z","background":null,"goals":null,' +
        '"deliverables":null,"usage_rights":null,"budget_constraints":null,"product_leverage":null,' +
        '"requirements":null,"distribution":null,"influencer_sheet_tab":null,"influencer_sheet_id":null}',
    );
  });

  it("writes every field of every group, in order, with nulls", () => {
    const written = JSON.parse(serializeCampaign(full()));
    expect(Object.keys(written.budget_constraints)).toEqual([
      "campaign_budget",
      "target_influencer_count",
      "target_cost_range",
      "min_cost_per_influencer",
      "max_cost_without_approval",
      "cpm_target",
      "cpm_leniency_pct",
    ]);
    expect(written.requirements).toEqual({
      exclusivity_required: false,
      exclusivity_term: "30 days",
      exclusivity_description: null,
      content_posted_organically: false,
      content_approval_required: false,
      revision_rounds: 0,
      raw_footage_required: null,
      content_delivery_date: null,
      content_publish_date: null,
    });
    expect(written.background).toEqual({
      client_website: "https://acme.example",
      campaign_manager: null,
      payment_methods: [],
      payment_terms: null,
    });
  });

  it.each([
    ["0.0000001", "0.0000001"],
    ["1E+21", "1000000000000000000000"],
    ["1e-7", "0.0000001"],
    ["0E-7", "0"],
    ["25.50", "25.5"],
  ])(
    "writes the money %s as the plain decimal string %s, never with an exponent",
    (value, text) => {
      const written = JSON.parse(
        serializeCampaign({
          ...minimal(),
          budget: value,
          cpm_range: { min_cpm: "0", max_cpm: value },
        }),
      );
      expect(written.budget).toBe(text);
      expect(written.cpm_range.max_cpm).toBe(text);
    },
  );

  it("refuses an invalid campaign instead of writing it", () => {
    expect(() => serializeCampaign({ ...minimal(), budget: "-1" })).toThrow(
      CampaignValidationError,
    );
  });

  it("refuses an unknown field JSON cannot write, such as a cycle", () => {
    const input = { ...minimal(), loop: {} as Record<string, unknown> };
    input.loop.self = input.loop;
    expect(() => serializeCampaign(input)).toThrow(/cannot be written as JSON/);
  });
});

describe("round trip and idempotence", () => {
  it("reads back what it writes, equal field by field", () => {
    const campaign = parseCampaign(deserializeCampaign(PYTHON_FULL_CAMPAIGN));
    const again = deserializeCampaign(serializeCampaign(campaign));
    expect(again).toEqual(campaign);
    expect(serializeCampaign(again)).toBe(serializeCampaign(campaign));
  });

  it("parses an already parsed campaign to an equal one, keeping its Big values", () => {
    const parsed = parseCampaign(full());
    const reparsed = parseCampaign(parsed);
    expect(reparsed).toEqual(parsed);
    expect(reparsed.budget_constraints?.campaign_budget.toFixed()).toBe("25000");
  });

  it("does not change the input object", () => {
    const input = full();
    const copy = structuredClone(input);
    parseCampaign(input);
    expect(input).toEqual(copy);
  });
});

describe("errors", () => {
  it("lists several issues at once, each with its path", () => {
    const input = full();
    delete input.campaign_id;
    input.budget = 1.5;
    input.cpm_range = { min_cpm: "40", max_cpm: "30" };
    input.created_at = "soon";
    input.influencers = [{ name: "A" }, { name: "" }];
    withField("goals.primary_goal", "", input);
    withField("deliverables.scenario_1", null, input);
    withField("budget_constraints.campaign_budget", "abc", input);
    const issues = issuesOf(input);
    expect(issues.map((issue) => issue.path)).toEqual([
      "campaign_id",
      "budget",
      "influencers[1].name",
      "cpm_range.min_cpm",
      "created_at",
      "goals.primary_goal",
      "deliverables",
      "budget_constraints.campaign_budget",
    ]);
  });

  it("throws a CampaignValidationError with code, first path and a message naming every field", () => {
    let thrown: unknown;
    try {
      parseCampaign({ ...minimal(), campaign_id: "", budget: "abc" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CampaignValidationError);
    expect(thrown).not.toBeInstanceOf(ValiError);
    const error = thrown as CampaignValidationError;
    expect(error.code).toBe("INVALID_CAMPAIGN");
    expect(error.path).toBe("campaign_id");
    expect(error.message).toBe(
      'Invalid campaign: campaign_id: must be a non-blank string, got ""; budget: expected a decimal string such as "25.50", got "abc"',
    );
  });

  it.each([null, undefined, "campaign", 42, []])(
    "refuses %s as a campaign at the empty path",
    (input) => {
      expect(issuesOf(input)).toEqual([
        { path: "", message: expect.stringMatching(/^must be an object, got /) },
      ]);
    },
  );

  it("refuses an input whose getter throws, without letting the raw error escape", () => {
    const input = minimal();
    Object.defineProperty(input, "client_name", {
      enumerable: true,
      get() {
        throw new TypeError("boom");
      },
    });
    expect(issuesOf(input)).toEqual([{ path: "", message: "could not be read: boom" }]);
  });

  it("refuses text that is not JSON with a CampaignValidationError", () => {
    expect(() => deserializeCampaign("{not json")).toThrow(CampaignValidationError);
    expect(() => deserializeCampaign("{not json")).toThrow(/is not valid JSON/);
    expect(() => deserializeCampaign("[1]")).toThrow(/must be an object, got a list/);
  });
});
