import Big from "big.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  CampaignCPMTracker,
  type CpmAgreement,
  type CpmTrackerDict,
} from "../../src/domain/campaign-cpm-tracker.js";
import { ValidationError } from "../../src/domain/errors.js";
import { pythonTrackerDict } from "../support/negotiations.js";

/** The refused value's path and message, or a failure when nothing was thrown. */
function refusal(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("expected a ValidationError, nothing was thrown");
}

function tracker(total = 10): CampaignCPMTracker {
  return new CampaignCPMTracker("camp-001", "20", "30", total);
}

const pythonDict = pythonTrackerDict;

describe("CampaignCPMTracker constructor", () => {
  it("exposes the campaign id, targets and total it was built with", () => {
    const built = new CampaignCPMTracker("camp-001", "20.5", new Big("30"), 7);
    expect(built.campaignId).toBe("camp-001");
    expect(built.targetMinCpm.toFixed()).toBe("20.5");
    expect(built.targetMaxCpm.eq("30")).toBe(true);
    expect(built.totalInfluencers).toBe(7);
  });

  it("accepts safe integers and exponent strings as money", () => {
    const built = new CampaignCPMTracker("c", 20, "3E+1", 0);
    expect(built.targetMinCpm.eq("20")).toBe(true);
    expect(built.targetMaxCpm.eq("30")).toBe(true);
  });

  it("refuses a blank or non-string campaign id, naming campaignId", () => {
    expect(refusal(() => new CampaignCPMTracker("  ", "20", "30", 5)).path).toBe("campaignId");
    expect(refusal(() => new CampaignCPMTracker(7 as never, "20", "30", 5)).path).toBe(
      "campaignId",
    );
  });

  it("refuses negative money, naming the parameter", () => {
    const min = refusal(() => new CampaignCPMTracker("c", "-1", "30", 5));
    expect(min.path).toBe("targetMinCpm");
    expect(min.message).toMatch(/negative/);
    expect(refusal(() => new CampaignCPMTracker("c", "20", "-0.01", 5)).path).toBe("targetMaxCpm");
  });

  it("refuses a fractional number for money and says to pass a string or a Big", () => {
    const error = refusal(() => new CampaignCPMTracker("c", 20.5, "30", 5));
    expect(error.path).toBe("targetMinCpm");
    expect(error.message).toContain("pass a decimal string or a Big");
  });

  it("refuses a non-decimal money string", () => {
    expect(refusal(() => new CampaignCPMTracker("c", "20", "thirty", 5)).path).toBe("targetMaxCpm");
  });

  it.each([-1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])(
    "refuses %s influencers, naming totalInfluencers",
    (total) => {
      expect(refusal(() => new CampaignCPMTracker("c", "20", "30", total)).path).toBe(
        "totalInfluencers",
      );
    },
  );
});

describe("CampaignCPMTracker.recordAgreement", () => {
  it("records the cpm and the rate, with a missing rate as null", () => {
    const t = tracker();
    t.recordAgreement("25.50", 4.2);
    t.recordAgreement(new Big("22"));
    t.recordAgreement(21, null);
    const [first, second, third] = t.agreements;
    expect(first?.cpm.toFixed()).toBe("25.5");
    expect(first?.engagementRate).toBe(4.2);
    expect(second?.cpm.eq("22")).toBe(true);
    expect(second?.engagementRate).toBeNull();
    expect(third?.engagementRate).toBeNull();
  });

  it("refuses negative and fractional-number cpms, naming cpm", () => {
    const t = tracker();
    expect(refusal(() => t.recordAgreement("-5")).path).toBe("cpm");
    expect(refusal(() => t.recordAgreement(25.5)).message).toContain(
      "pass a decimal string or a Big",
    );
    expect(t.agreements).toHaveLength(0);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, "4.2"])(
    "refuses the engagement rate %s, naming engagementRate",
    (rate) => {
      const t = tracker();
      expect(refusal(() => t.recordAgreement("25", rate as number)).path).toBe("engagementRate");
      expect(t.agreements).toHaveLength(0);
    },
  );
});

describe("CampaignCPMTracker.agreements", () => {
  it("is a frozen copy whose changes do not reach the tracker", () => {
    const t = tracker();
    t.recordAgreement("25", 4);
    const copy = t.agreements;
    const [first] = copy;
    if (first === undefined) throw new Error("expected one agreement");
    expect(Object.isFrozen(copy)).toBe(true);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => (copy as CpmAgreement[]).push(first)).toThrow(TypeError);
    expect(() => {
      (first as { engagementRate: number }).engagementRate = 9;
    }).toThrow(TypeError);
    // Big has no mutating methods, but its digits are a plain array.
    (first.cpm as unknown as { c: number[] }).c[0] = 9;
    expect(t.agreements[0]?.cpm.toFixed()).toBe("25");
    expect(t.agreements).toHaveLength(1);
    expect(t.agreements[0]?.engagementRate).toBe(4);
  });

  it("returns targets as copies that cannot change the tracker", () => {
    const t = tracker();
    (t.targetMaxCpm as unknown as { c: number[] }).c[0] = 9;
    expect(t.targetMaxCpm.toFixed()).toBe("30");
  });
});

describe("CampaignCPMTracker.runningAverageCpm", () => {
  it("is null before the first agreement", () => {
    expect(tracker().runningAverageCpm).toBeNull();
  });

  it("is the mean of the agreed cpms", () => {
    const t = tracker();
    for (const cpm of ["10", "20", "25.5"]) t.recordAgreement(cpm);
    expect(t.runningAverageCpm?.toFixed()).toBe("18.5");
  });

  it("keeps at least 20 decimal places of a non-terminating mean", () => {
    const t = tracker();
    for (const cpm of ["10", "10", "11"]) t.recordAgreement(cpm);
    expect(t.runningAverageCpm?.toFixed(25)).toBe("10.3333333333333333333333333");
  });
});

describe("CampaignCPMTracker.getFlexibility", () => {
  afterEach(() => {
    Big.DP = 20;
    Big.RM = Big.roundHalfUp;
  });

  it("adds 15% of target max above 5% engagement: 6% gives 34.5", () => {
    const flex = tracker().getFlexibility(6);
    expect(flex.targetCpm.eq("30")).toBe(true);
    expect(flex.maxAllowedCpm.eq("34.5")).toBe(true);
    expect(flex.reason).toBe("high engagement (6% > 5%): +15%; max allowed: $34.50");
  });

  it("adds 8% of target max above 3% engagement: 4% gives 32.4", () => {
    const flex = tracker().getFlexibility(4);
    expect(flex.maxAllowedCpm.eq("32.4")).toBe(true);
    expect(flex.reason).toBe("moderate engagement (4% > 3%): +8%; max allowed: $32.40");
  });

  it("treats exactly 5% as moderate: 32.4", () => {
    const flex = tracker().getFlexibility(5);
    expect(flex.maxAllowedCpm.eq("32.4")).toBe(true);
    expect(flex.reason).toBe("moderate engagement (5% > 3%): +8%; max allowed: $32.40");
  });

  it("adds nothing at exactly 3%: 30", () => {
    const flex = tracker().getFlexibility(3);
    expect(flex.maxAllowedCpm.eq("30")).toBe(true);
    expect(flex.reason).toBe("low engagement (3%): no premium; max allowed: $30.00");
  });

  it("names a low rate as JavaScript prints it", () => {
    expect(tracker().getFlexibility(2.5).reason).toBe(
      "low engagement (2.5%): no premium; max allowed: $30.00",
    );
  });

  it("says there is no engagement data for null or a missing rate", () => {
    for (const flex of [tracker().getFlexibility(), tracker().getFlexibility(null)]) {
      expect(flex.maxAllowedCpm.eq("30")).toBe(true);
      expect(flex.reason).toBe("no engagement data; max allowed: $30.00");
    }
  });

  it("caps at 120% of target max: three agreements at 10 of 5 with 8% give 36", () => {
    const t = tracker(5);
    for (let i = 0; i < 3; i++) t.recordAgreement("10");
    const flex = t.getFlexibility(8);
    expect(flex.maxAllowedCpm.eq("36")).toBe(true);
    expect(flex.reason).toBe(
      "high engagement (8% > 5%): +15%; budget savings: +$30.00; capped at 120% of target max ($36.00); max allowed: $36.00",
    );
  });

  it("does not say capped when the sum is exactly 120%", () => {
    const t = tracker(3);
    t.recordAgreement("27");
    const flex = t.getFlexibility(6);
    expect(flex.maxAllowedCpm.eq("36")).toBe(true);
    expect(flex.reason).toBe(
      "high engagement (6% > 5%): +15%; budget savings: +$1.50; max allowed: $36.00",
    );
  });

  it("spreads the savings over the remaining influencers without rounding", () => {
    const t = tracker(6);
    for (const cpm of ["29", "29", "28"]) t.recordAgreement(cpm);
    const flex = t.getFlexibility();
    // (30 - 86/3) x 3 / 3 = 4/3
    expect(flex.maxAllowedCpm.toFixed(30)).toBe("31.333333333333333333333333333333");
    expect(flex.reason).toBe("no engagement data; budget savings: +$1.33; max allowed: $31.33");
  });

  it("adds both premiums when under the cap", () => {
    const t = tracker(10);
    t.recordAgreement("25.50", 4.2);
    const flex = t.getFlexibility(4);
    expect(flex.maxAllowedCpm.toFixed()).toBe("32.9");
    expect(flex.reason).toBe(
      "moderate engagement (4% > 3%): +8%; budget savings: +$0.50; max allowed: $32.90",
    );
  });

  it("gives no budget premium when the average equals or exceeds target max", () => {
    for (const cpms of [
      ["30", "30"],
      ["35", "28"],
    ]) {
      const t = tracker(5);
      for (const cpm of cpms) t.recordAgreement(cpm);
      const flex = t.getFlexibility();
      expect(flex.maxAllowedCpm.eq("30")).toBe(true);
      expect(flex.reason).toBe("no engagement data; max allowed: $30.00");
    }
  });

  it("gives no budget premium when no influencers remain", () => {
    for (const count of [2, 3]) {
      const t = tracker(2);
      for (let i = 0; i < count; i++) t.recordAgreement("10");
      expect(t.getFlexibility(4).maxAllowedCpm.eq("32.4")).toBe(true);
    }
  });

  it("rounds amounts in the reason half up", () => {
    const flex = new CampaignCPMTracker("c", "10", "10.125", 1).getFlexibility();
    expect(flex.maxAllowedCpm.toFixed()).toBe("10.125");
    expect(flex.reason).toBe("no engagement data; max allowed: $10.13");
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    "refuses the engagement rate %s",
    (rate) => {
      expect(refusal(() => tracker().getFlexibility(rate)).path).toBe("engagementRate");
    },
  );

  it("gives the same results for Bigs from a separate copy of big.js", () => {
    const Other = Big();
    Other.DP = 2;
    Other.RM = Other.roundDown;
    const t = new CampaignCPMTracker("c", new Other("20"), new Other("30"), 6);
    for (const cpm of ["29", "29", "28"]) t.recordAgreement(new Other(cpm));
    expect(t.getFlexibility().maxAllowedCpm.toFixed(30)).toBe("31.333333333333333333333333333333");
    expect(t.runningAverageCpm?.toFixed(25)).toBe("28.6666666666666666666666667");
  });

  it("is unaffected by a consumer changing Big.DP and Big.RM", () => {
    Big.DP = 0;
    Big.RM = Big.roundDown;
    const t = tracker(6);
    for (const cpm of ["29", "29", "28"]) t.recordAgreement(new Big(cpm));
    const flex = t.getFlexibility();
    expect(flex.maxAllowedCpm.toFixed(30)).toBe("31.333333333333333333333333333333");
    expect(flex.reason).toBe("no engagement data; budget savings: +$1.33; max allowed: $31.33");
    expect(t.runningAverageCpm?.toFixed(25)).toBe("28.6666666666666666666666667");
  });

  it("does not change the tracker", () => {
    const t = tracker(5);
    t.recordAgreement("10");
    const first = t.getFlexibility(6);
    const second = t.getFlexibility(6);
    expect(second.maxAllowedCpm.eq(first.maxAllowedCpm)).toBe(true);
    expect(t.toDict().agreements).toHaveLength(1);
  });
});

describe("CampaignCPMTracker.toDict and fromDict", () => {
  it("writes the snake_case stored shape with exact plain decimals", () => {
    const t = new CampaignCPMTracker("camp-001", "2E+1", "30.50", 5);
    t.recordAgreement("25.50", 4.2);
    t.recordAgreement("1e-7");
    t.recordAgreement("0E-7", 3);
    expect(t.toDict()).toStrictEqual({
      campaign_id: "camp-001",
      target_min_cpm: "20",
      target_max_cpm: "30.5",
      total_influencers: 5,
      agreements: [
        { cpm: "25.5", engagement_rate: 4.2 },
        { cpm: "0.0000001", engagement_rate: null },
        { cpm: "0", engagement_rate: 3 },
      ],
    });
  });

  it("round-trips through JSON to an equal tracker", () => {
    const t = tracker(6);
    t.recordAgreement("29", 4.5);
    t.recordAgreement("28.125");
    const back = CampaignCPMTracker.fromDict(JSON.parse(JSON.stringify(t.toDict())));
    expect(back.toDict()).toStrictEqual(t.toDict());
    expect(back.getFlexibility(4).maxAllowedCpm.eq(t.getFlexibility(4).maxAllowedCpm)).toBe(true);
    expect(back.getFlexibility(4).reason).toBe(t.getFlexibility(4).reason);
  });

  it("reads a Python-written dict, with 25.50 coming back as the value 25.5", () => {
    const t = CampaignCPMTracker.fromDict(pythonDict);
    expect(t.campaignId).toBe("camp-001");
    expect(t.targetMinCpm.eq("20")).toBe(true);
    expect(t.targetMaxCpm.eq("30")).toBe(true);
    expect(t.totalInfluencers).toBe(5);
    const [first, second] = t.agreements;
    expect(first?.cpm.eq("25.5")).toBe(true);
    expect(first?.cpm.toFixed()).toBe("25.5");
    expect(first?.engagementRate).toBe(4.2);
    expect(second?.cpm.eq("22")).toBe(true);
    expect(second?.engagementRate).toBeNull();
    expect(t.runningAverageCpm?.toFixed()).toBe("23.75");
  });

  it("reads a missing engagement_rate as null", () => {
    const t = CampaignCPMTracker.fromDict({ ...pythonDict, agreements: [{ cpm: "22" }] });
    expect(t.agreements[0]?.engagementRate).toBeNull();
  });

  it("does not keep a reference to the dict it read", () => {
    const dict: CpmTrackerDict = structuredClone(pythonDict);
    const t = CampaignCPMTracker.fromDict(dict);
    dict.agreements.push({ cpm: "1", engagement_rate: null });
    expect(t.agreements).toHaveLength(2);
  });

  const bad = (change: Record<string, unknown>) => ({ ...pythonDict, ...change });
  it.each<[string, unknown, string]>([
    ["null", null, "cpm_tracker"],
    ["an array", [], "cpm_tracker"],
    ["a string", "{}", "cpm_tracker"],
    ["a missing campaign_id", bad({ campaign_id: undefined }), "cpm_tracker.campaign_id"],
    ["a blank campaign_id", bad({ campaign_id: " " }), "cpm_tracker.campaign_id"],
    ["a fractional number target", bad({ target_min_cpm: 20.5 }), "cpm_tracker.target_min_cpm"],
    ["a negative target", bad({ target_max_cpm: "-30" }), "cpm_tracker.target_max_cpm"],
    ["a missing target", bad({ target_max_cpm: undefined }), "cpm_tracker.target_max_cpm"],
    ["a string total", bad({ total_influencers: "5" }), "cpm_tracker.total_influencers"],
    ["a fractional total", bad({ total_influencers: 5.5 }), "cpm_tracker.total_influencers"],
    ["missing agreements", bad({ agreements: undefined }), "cpm_tracker.agreements"],
    ["non-array agreements", bad({ agreements: {} }), "cpm_tracker.agreements"],
    ["a null agreement", bad({ agreements: [{ cpm: "1" }, null] }), "cpm_tracker.agreements[1]"],
    [
      "a non-decimal cpm",
      bad({ agreements: [{ cpm: "1" }, { cpm: "abc" }] }),
      "cpm_tracker.agreements[1].cpm",
    ],
    [
      "a negative cpm",
      bad({ agreements: [{ cpm: "1" }, { cpm: "-1" }] }),
      "cpm_tracker.agreements[1].cpm",
    ],
    [
      "a string engagement_rate",
      bad({ agreements: [{ cpm: "1", engagement_rate: "4.2" }] }),
      "cpm_tracker.agreements[0].engagement_rate",
    ],
  ])("refuses %s, naming the path", (_, data, path) => {
    const error = refusal(() => CampaignCPMTracker.fromDict(data));
    expect(error.path).toBe(path);
    expect(error.message.startsWith(`${path}: `)).toBe(true);
  });
});
