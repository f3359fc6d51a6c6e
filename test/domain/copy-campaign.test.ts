/**
 * The deep copies of a parsed campaign that every restored negotiation gets: equal to the
 * original, sharing nothing with it or with another copy.
 */
import Big from "big.js";
import { describe, expect, it } from "vitest";
import { type Campaign, deserializeCampaign, parseCampaign } from "../../src/domain/campaign.js";
import { campaignCopier, copyCampaign } from "../../src/domain/copy-campaign.js";
import { moneyConstructor } from "../../src/domain/money.js";
import { campaignInput } from "../support/negotiations.js";

/** A campaign with nested groups, lists, money at two levels and unknown fields. */
function fullCampaign(): Campaign {
  return parseCampaign(
    campaignInput({
      influencers: [{ name: "Ana", platform: "tiktok", engagement_rate: 4.2 }],
      background: { payment_methods: ["wire", "paypal"], payment_terms: "Net 30" },
      budget_constraints: { campaign_budget: "25000.00", cpm_target: "25.50" },
      extra_tags: [["a", { deep: [1, null, "x"] }]],
      notes_like_a_big: { s: 1, e: 0, c: [5] },
    }),
  );
}

/** Every object, array and Big reachable from `value`, with where it is. */
function containers(value: unknown, path = "campaign", found = new Map<object, string>()) {
  if (typeof value !== "object" || value === null) return found;
  found.set(value, path);
  for (const [key, child] of Object.entries(value)) containers(child, `${path}.${key}`, found);
  return found;
}

const copiers: [string, (campaign: Campaign) => () => Campaign][] = [
  ["copyCampaign", (campaign) => () => copyCampaign(campaign)],
  ["campaignCopier", campaignCopier],
];

describe.each(copiers)("%s", (_name, copierOf) => {
  it("copies a campaign equal to the original, money as Big of the same value", () => {
    const original = fullCampaign();
    const copy = copierOf(original)();
    expect(copy).toEqual(original);
    expect(copy.budget).toBeInstanceOf(Big);
    expect(copy.budget.eq(original.budget)).toBe(true);
    expect(copy.budget_constraints?.cpm_target?.toFixed()).toBe("25.5");
    // Plain data shaped like a Big stays plain data.
    expect(Object.getPrototypeOf(copy.notes_like_a_big)).toBe(Object.prototype);
  });

  it("shares no object, array or Big with the original or with another copy", () => {
    const original = fullCampaign();
    const copy = copierOf(original);
    const [first, second] = [copy(), copy()];
    const originals = containers(original);
    const firsts = containers(first);
    expect(firsts.size).toBe(originals.size);
    for (const [object, path] of containers(second)) {
      expect(originals.has(object), path).toBe(false);
      expect(firsts.has(object), path).toBe(false);
    }
  });

  it("lets a copy change without changing the original or another copy", () => {
    const original = fullCampaign();
    const copy = copierOf(original);
    const [first, second] = [copy(), copy()];
    first.client_name = "Changed";
    first.influencers.push({ name: "Bo", platform: "youtube", engagement_rate: null });
    first.cpm_range.max_cpm = new Big(99);
    (first.background?.payment_methods as string[]).length = 0;
    expect(second).toEqual(original);
    expect(copy()).toEqual(original);
  });

  it('keeps a "__proto__" key a plain field, at the top and nested', () => {
    const original = deserializeCampaign(
      JSON.stringify({
        ...campaignInput(),
        ["__proto__"]: { polluted: true },
        background: { payment_methods: [], ["__proto__"]: ["x"] },
      }),
    );
    const copy = copierOf(original)();
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value).toEqual({ polluted: true });
    expect(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value).not.toBe(
      Object.getOwnPropertyDescriptor(original, "__proto__")?.value,
    );
    expect(Object.getPrototypeOf(copy.background)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(copy.background, "__proto__")?.value).toEqual(["x"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("copyCampaign", () => {
  it("copies a Big of another Big constructor as one of the package's own", () => {
    const original = fullCampaign();
    const foreign = Big();
    foreign.DP = 2;
    const campaign = { ...original, budget: new foreign("10000.1") } as Campaign;
    const copy = copyCampaign(campaign);
    expect(copy.budget.toFixed()).toBe("10000.1");
    expect(copy.budget).not.toBe(campaign.budget);
    expect(copy.budget.constructor).toBe(moneyConstructor());
    // The package's constructor divides to 40 places, not the foreign one's 2.
    expect(copy.budget.div(3).toFixed()).toBe(`3333.3${"6".repeat(38)}7`);
  });
});
