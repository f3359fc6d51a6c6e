import Big from "big.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CampaignCPMTracker,
  type CpmAgreement,
  type CpmTrackerDict,
} from "../../src/domain/campaign-cpm-tracker.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { pythonTrackerDict } from "../support/negotiations.js";
import {
  type PythonCpmTracker,
  startPythonCpmTracker,
  type TrackerCase,
} from "../support/python-cpm-tracker.js";

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

  it("is sum / count rounded to 28 significant digits, half-even, as Python's decimal gives it", () => {
    const t = tracker();
    for (const cpm of ["10", "10", "11"]) t.recordAgreement(cpm);
    expect(t.runningAverageCpm?.toFixed()).toBe("10.33333333333333333333333333");
  });

  it("rounds even a single 40-digit cpm, as Python's sum() adds it to 0", () => {
    const t = tracker();
    t.recordAgreement("1.234567890123456789012345678901234567890");
    expect(t.runningAverageCpm?.toFixed()).toBe("1.234567890123456789012345679");
  });
});

/** A worked example of DESIGN §3: a tracker, the rate asked about, and what Python gives. */
interface WorkedExample {
  readonly name: string;
  readonly trackerCase: TrackerCase;
  readonly maxAllowed: string;
  readonly reason: string;
}

function example(
  name: string,
  [targetMaxCpm, totalInfluencers, cpms, rate]: [string, number, string[], number | null],
  maxAllowed: string,
  reason: string,
): WorkedExample {
  const agreements = cpms.map((cpm) => ({ cpm, rate: null }));
  return {
    name,
    trackerCase: { targetMinCpm: "20", targetMaxCpm, totalInfluencers, agreements, rate },
    maxAllowed,
    reason,
  };
}

function built({ targetMinCpm, targetMaxCpm, totalInfluencers, agreements }: TrackerCase) {
  const t = new CampaignCPMTracker("camp-001", targetMinCpm, targetMaxCpm, totalInfluencers);
  for (const { cpm, rate } of agreements) t.recordAgreement(cpm, rate);
  return t;
}

const WORKED_EXAMPLES: readonly WorkedExample[] = [
  example(
    "the issue's tracker: each step rounded to 28 digits gives 30.32545454545454545454545455",
    ["30", 12, ["26.42"], 3],
    "30.32545454545454545454545455",
    "budget savings: +$0.33; low engagement (3.0%): no premium; max allowed: $30.33",
  ),
  example(
    "2 agreed at 25.50 and 22 of 5: (30 - 23.75) x 2 / 3 added to 30, rounded to 28 digits",
    ["30", 5, ["25.50", "22"], null],
    "34.16666666666666666666666667",
    "budget savings: +$4.17; no engagement data; max allowed: $34.17",
  ),
  example(
    "29, 29 and 28 of 6: the average is rounded before the savings are taken from it",
    ["30", 6, ["29", "29", "28"], null],
    "31.33333333333333333333333333",
    "budget savings: +$1.33; no engagement data; max allowed: $31.33",
  ),
  example(
    "above 5% adds 15% of target max: 6% gives 34.5, the rate written 6.0",
    ["30", 10, [], 6],
    "34.5",
    "high engagement (6.0% > 5%): +15%; max allowed: $34.50",
  ),
  example(
    "above 3% adds 8%: 4% gives 32.4",
    ["30", 10, [], 4],
    "32.4",
    "moderate engagement (4.0% > 3%): +8%; max allowed: $32.40",
  ),
  example(
    "exactly 5% is moderate",
    ["30", 10, [], 5],
    "32.4",
    "moderate engagement (5.0% > 3%): +8%; max allowed: $32.40",
  ),
  example(
    "exactly 3% adds nothing, written 3.0",
    ["30", 10, [], 3],
    "30",
    "low engagement (3.0%): no premium; max allowed: $30.00",
  ),
  example(
    "a rate is written as Python writes a float: 2.5",
    ["30", 10, [], 2.5],
    "30",
    "low engagement (2.5%): no premium; max allowed: $30.00",
  ),
  example(
    "a rate below 1e-4 is written with Python's exponent: 1e-05",
    ["30", 10, [], 0.00001],
    "30",
    "low engagement (1e-05%): no premium; max allowed: $30.00",
  ),
  example(
    "a rate of 1e16 and more is written with Python's exponent: 1e+16",
    ["30", 10, [], 1e16],
    "34.5",
    "high engagement (1e+16% > 5%): +15%; max allowed: $34.50",
  ),
  example(
    "a large rate keeps its shortest digits: 1.2345678901234568e+20",
    ["30", 10, [], 123456789012345680000],
    "34.5",
    "high engagement (1.2345678901234568e+20% > 5%): +15%; max allowed: $34.50",
  ),
  example(
    "negative zero is -0.0",
    ["30", 10, [], -0],
    "30",
    "low engagement (-0.0%): no premium; max allowed: $30.00",
  ),
  example(
    "budget savings come first, then the engagement part",
    ["30", 2, ["28.5"], 4.2],
    "33.9",
    "budget savings: +$1.50; moderate engagement (4.2% > 3%): +8%; max allowed: $33.90",
  ),
  example(
    "a sum exactly on the cap says capped: 27 of 3 with 6% gives 30 + 1.5 + 4.5 = 36",
    ["30", 3, ["27"], 6],
    "36",
    "budget savings: +$1.50; high engagement (6.0% > 5%): +15%; capped at 120% of target max ($36.00); max allowed: $36.00",
  ),
  example(
    "a sum above the cap is capped: three at 10 of 5 with 8% give 36",
    ["30", 5, ["10", "10", "10"], 8],
    "36",
    "budget savings: +$30.00; high engagement (8.0% > 5%): +15%; capped at 120% of target max ($36.00); max allowed: $36.00",
  ),
  example(
    "a target max of 0 with a premium of 0 is not said to be capped",
    ["0", 3, ["0"], 6],
    "0",
    "high engagement (6.0% > 5%): +15%; max allowed: $0.00",
  ),
  example(
    "amounts are rounded half-even: $44.045 is $44.04",
    ["44.045", 0, [], null],
    "44.045",
    "no engagement data; max allowed: $44.04",
  ),
  example(
    "half-even in the budget part too: +$0.125 is +$0.12, and $30.125 is $30.12",
    ["30", 2, ["29.875"], null],
    "30.125",
    "budget savings: +$0.12; no engagement data; max allowed: $30.12",
  ),
  example(
    "half-even rounds to the even cent: +$0.135 is +$0.14",
    ["30", 2, ["29.865"], null],
    "30.135",
    "budget savings: +$0.14; no engagement data; max allowed: $30.14",
  ),
  example(
    "a target max of 40 digits is rounded to 28 by the additions, with no premium",
    ["1.234567890123456789012345678901234567890", 0, [], null],
    "1.234567890123456789012345679",
    "no engagement data; max allowed: $1.23",
  ),
  example(
    "no budget premium when the average equals target max",
    ["30", 5, ["30", "30"], null],
    "30",
    "no engagement data; max allowed: $30.00",
  ),
  example(
    "no budget premium when the average exceeds target max",
    ["30", 5, ["35", "28"], null],
    "30",
    "no engagement data; max allowed: $30.00",
  ),
  example(
    "no budget premium when no influencers remain",
    ["30", 2, ["10", "10"], 4],
    "32.4",
    "moderate engagement (4.0% > 3%): +8%; max allowed: $32.40",
  ),
  example(
    "no budget premium when more agreed than planned",
    ["30", 2, ["10", "10", "10"], 4],
    "32.4",
    "moderate engagement (4.0% > 3%): +8%; max allowed: $32.40",
  ),
];

describe("CampaignCPMTracker.getFlexibility: DESIGN §3's worked examples", () => {
  let python: PythonCpmTracker;
  beforeAll(() => {
    python = startPythonCpmTracker();
  });
  afterAll(() => python.close());

  it.each(WORKED_EXAMPLES.map((worked) => [worked.name, worked] as const))("%s", (_, worked) => {
    const flex = built(worked.trackerCase).getFlexibility(worked.trackerCase.rate);
    expect(flex.targetCpm.eq(worked.trackerCase.targetMaxCpm)).toBe(true);
    expect(flex.maxAllowedCpm.toFixed()).toBe(new Big(worked.maxAllowed).toFixed());
    expect(flex.maxAllowedCpm.eq(worked.maxAllowed)).toBe(true);
    expect(flex.reason).toBe(worked.reason);
  });

  it("python3's decimal gives the same figure and reason for every worked example", async () => {
    for (const worked of WORKED_EXAMPLES) {
      const expected = await python.flexibility(worked.trackerCase);
      expect({ name: worked.name, ...expected }).toMatchObject({
        name: worked.name,
        reason: worked.reason,
      });
      if ("error" in expected) throw new Error(`Python raised ${expected.error}`);
      expect(new Big(expected.max_allowed_cpm).eq(worked.maxAllowed)).toBe(true);
    }
  });

  it("does not give the longer expansion of the old 40-place division", () => {
    const flex = built(WORKED_EXAMPLES[0]?.trackerCase as TrackerCase).getFlexibility(3);
    expect(flex.maxAllowedCpm.eq("30.3254545454545454545454545454545454545455")).toBe(false);
  });
});

describe("CampaignCPMTracker.getFlexibility", () => {
  afterEach(() => {
    Big.DP = 20;
    Big.RM = Big.roundHalfUp;
  });

  it("says there is no engagement data for null or a missing rate", () => {
    for (const flex of [tracker().getFlexibility(), tracker().getFlexibility(null)]) {
      expect(flex.maxAllowedCpm.eq("30")).toBe(true);
      expect(flex.reason).toBe("no engagement data; max allowed: $30.00");
    }
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
    expect(t.getFlexibility().maxAllowedCpm.toFixed()).toBe("31.33333333333333333333333333");
    expect(t.runningAverageCpm?.toFixed()).toBe("28.66666666666666666666666667");
  });

  it("is unaffected by a consumer changing Big.DP and Big.RM", () => {
    Big.DP = 0;
    Big.RM = Big.roundDown;
    const t = tracker(6);
    for (const cpm of ["29", "29", "28"]) t.recordAgreement(new Big(cpm));
    const flex = t.getFlexibility();
    expect(flex.maxAllowedCpm.toFixed()).toBe("31.33333333333333333333333333");
    expect(flex.reason).toBe("budget savings: +$1.33; no engagement data; max allowed: $31.33");
    expect(t.runningAverageCpm?.toFixed()).toBe("28.66666666666666666666666667");
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

  it("keeps unknown keys, top level and per agreement, and writes them back after the known ones", () => {
    const text = `{"campaign_id":"camp-001","owner":{"name":"Dana","tags":["a",1.5,null]},"target_min_cpm":"20","target_max_cpm":"30","total_influencers":5,"agreements":[{"note":"first","cpm":"25.50","engagement_rate":4.2,"agreed_at":"2026-01-02"},{"cpm":"22"}],"version":2,"__proto__":{"x":1},"constructor":"kept"}`;
    const dict = JSON.parse(text) as CpmTrackerDict;
    const t = CampaignCPMTracker.fromDict(dict);
    const written = t.toDict();
    expect(JSON.stringify(written)).toBe(
      `{"campaign_id":"camp-001","target_min_cpm":"20","target_max_cpm":"30","total_influencers":5,"agreements":[{"cpm":"25.5","engagement_rate":4.2,"note":"first","agreed_at":"2026-01-02"},{"cpm":"22","engagement_rate":null}],"owner":{"name":"Dana","tags":["a",1.5,null]},"version":2,"__proto__":{"x":1},"constructor":"kept"}`,
    );
    // "__proto__" is a field of the dict, not its prototype.
    expect(Object.getPrototypeOf(written)).toBe(Object.prototype);
    expect(Object.hasOwn(written, "__proto__")).toBe(true);
    expect(
      JSON.stringify(CampaignCPMTracker.fromDict(JSON.parse(JSON.stringify(written))).toDict()),
    ).toBe(JSON.stringify(written));
  });

  it("keeps copies of unknown values: neither the dict read nor a dict written reaches the tracker", () => {
    const dict = {
      ...pythonDict,
      owner: { name: "Dana" },
      agreements: [{ cpm: "1", engagement_rate: null, tags: ["a"] }],
    };
    const t = CampaignCPMTracker.fromDict(dict);
    dict.owner.name = "changed";
    dict.agreements[0]?.tags.push("changed");
    const written = t.toDict();
    (written.owner as { name: string }).name = "changed again";
    const [agreement] = written.agreements;
    if (agreement === undefined) throw new Error("expected one agreement");
    (agreement.tags as string[]).push("changed again");
    expect(t.toDict().owner).toEqual({ name: "Dana" });
    expect(t.toDict().agreements[0]?.tags).toEqual(["a"]);
  });

  it("writes an agreement recorded later without unknown keys", () => {
    const t = CampaignCPMTracker.fromDict({
      ...pythonDict,
      agreements: [{ cpm: "1", engagement_rate: null, note: "read" }],
    });
    t.recordAgreement("2", 4);
    expect(t.toDict().agreements).toStrictEqual([
      { cpm: "1", engagement_rate: null, note: "read" },
      { cpm: "2", engagement_rate: 4 },
    ]);
  });

  it.each<[string, unknown]>([
    ["a bigint", 1n],
    ["a function", () => 1],
  ])("refuses an unknown key holding %s, naming its path", (_, value) => {
    const top = refusal(() => CampaignCPMTracker.fromDict({ ...pythonDict, extra: value }));
    expect(top.path).toBe("cpm_tracker.extra");
    const inner = refusal(() =>
      CampaignCPMTracker.fromDict({ ...pythonDict, agreements: [{ cpm: "1", extra: value }] }),
    );
    expect(inner.path).toBe("cpm_tracker.agreements[0].extra");
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
