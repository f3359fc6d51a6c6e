import { describe, expect, it } from "vitest";
import { parseCampaign, serializeCampaign } from "../../src/domain/campaign.js";
import { toMoney } from "../../src/domain/money.js";
import { campaignJson } from "../../src/store/campaign-json-memo.js";
import { campaignInput } from "../support/negotiations.js";
import { thrownBy } from "../support/thrown-by.js";

// A campaign saved again is written from memory only when nothing the validation could see
// has changed: every change below must be validated (and refused or written) anew.

const parsed = () => parseCampaign(campaignInput()) as unknown as Record<string, unknown>;

describe("campaignJson", () => {
  it("writes what serializeCampaign writes, the first time and every time after", () => {
    const campaign = parsed();
    const expected = serializeCampaign(campaign);
    expect(campaignJson(campaign)).toBe(expected);
    expect(campaignJson(campaign)).toBe(expected);
    expect(campaignJson(campaignInput())).toBe(expected);
  });

  it("writes a valid change made in place", () => {
    const campaign = parsed();
    campaignJson(campaign);
    campaign.budget = toMoney("12000.5", "budget");
    (campaign.cpm_range as Record<string, unknown>).max_cpm = "31";
    campaign.extra_field = { nested: [1, "two"] };
    expect(campaignJson(campaign)).toBe(serializeCampaign(campaign));
    expect(JSON.parse(campaignJson(campaign))).toMatchObject({
      budget: "12000.5",
      cpm_range: { max_cpm: "31" },
      extra_field: { nested: [1, "two"] },
    });
  });

  it("writes a Big's digits changed in place", () => {
    const campaign = parsed();
    campaignJson(campaign);
    (campaign.budget as { c: number[] }).c[0] = 9;
    const json = campaignJson(campaign);
    expect(json).toBe(serializeCampaign(campaign));
    expect(JSON.parse(json).budget.startsWith("9")).toBe(true);
  });

  it("writes extra fields in their new order when only their order changed", () => {
    const campaign = parsed();
    campaign.extra_a = 1;
    campaign.extra_b = 1;
    campaignJson(campaign);
    delete campaign.extra_a;
    campaign.extra_a = 1;
    const json = campaignJson(campaign);
    expect(json).toBe(serializeCampaign(campaign));
    expect(json.indexOf('"extra_b"')).toBeLessThan(json.indexOf('"extra_a"'));
  });

  // Changes plain JSON cannot see: the campaign's JSON.stringify is the same before and after.
  const blurredChanges: [string, (campaign: Record<string, unknown>) => void, string][] = [
    [
      "an optional money field set from null to NaN",
      (c) => ((c.product_leverage as Record<string, unknown>).product_monetary_value = Number.NaN),
      "product_leverage.product_monetary_value",
    ],
    [
      "an optional money field set from null to Infinity",
      (c) =>
        ((c.product_leverage as Record<string, unknown>).product_monetary_value =
          Number.POSITIVE_INFINITY),
      "product_leverage.product_monetary_value",
    ],
    [
      "created_at given as a Date of the same text",
      (c) => (c.created_at = new Date(c.created_at as string)),
      "created_at",
    ],
  ];
  for (const [change, apply, path] of blurredChanges) {
    it(`validates again after ${change}, which JSON would blur, and refuses it`, () => {
      const campaign = parseCampaign(
        campaignInput({
          created_at: "2026-01-15T12:00:00.000Z",
          product_leverage: { product_available: true, product_monetary_value: null },
        }),
      ) as unknown as Record<string, unknown>;
      campaignJson(campaign);
      const before = JSON.stringify(campaign);
      apply(campaign);
      expect(JSON.stringify(campaign), "plain JSON sees no change").toBe(before);
      const error = thrownBy(() => campaignJson(campaign));
      expect(error).toMatchObject({ code: "INVALID_CAMPAIGN" });
      expect((error as { issues: { path: string }[] }).issues.map((issue) => issue.path)).toContain(
        path,
      );
    });
  }

  const invalidChanges: [string, (campaign: Record<string, unknown>) => void, string][] = [
    ["a required text field emptied", (c) => (c.client_name = ""), "client_name"],
    ["a required field removed", (c) => delete c.campaign_id, "campaign_id"],
    [
      "a nested money field made negative",
      (c) => ((c.cpm_range as Record<string, unknown>).min_cpm = toMoney("-1", "min_cpm")),
      "cpm_range.min_cpm",
    ],
    ["a Big mutated in place", (c) => ((c.budget as { s: number }).s = -1), "budget"],
  ];
  for (const [change, apply, path] of invalidChanges) {
    it(`validates again after ${change}, and refuses it`, () => {
      const campaign = parsed();
      campaignJson(campaign);
      apply(campaign);
      const error = thrownBy(() => campaignJson(campaign));
      expect(error).toMatchObject({ code: "INVALID_CAMPAIGN" });
      expect((error as { issues: { path: string }[] }).issues.map((issue) => issue.path)).toContain(
        path,
      );
    });
  }

  it("validates every time a campaign that is not plain data, whose getters it cannot see", () => {
    class GetterCampaign {
      #budget = "10000";
      constructor({ budget: _, ...fields }: Record<string, unknown>) {
        Object.assign(this, fields);
      }
      get budget() {
        return this.#budget;
      }
      spend(to: string) {
        this.#budget = to;
      }
    }
    const campaign = new GetterCampaign(campaignInput());
    const first = JSON.parse(campaignJson(campaign));
    campaign.spend("-5");
    expect(first.budget).toBe("10000");
    expect(thrownBy(() => campaignJson(campaign))).toMatchObject({ code: "INVALID_CAMPAIGN" });
  });

  it("refuses a campaign with a cycle as serializeCampaign does", () => {
    const campaign = parsed();
    campaign.extra = { campaign };
    expect(thrownBy(() => campaignJson(campaign))).toMatchObject({ code: "INVALID_CAMPAIGN" });
  });
});
