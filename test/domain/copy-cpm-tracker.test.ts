/**
 * The copy of a tracker that each restored negotiation of a campaign gets: equal to the
 * original, and changed independently of it.
 */
import { describe, expect, it } from "vitest";
import { CampaignCPMTracker, copyCpmTracker } from "../../src/domain/campaign-cpm-tracker.js";
import { pythonTrackerDict } from "../support/negotiations.js";

/** A tracker read from a dict with unknown keys at both levels. */
function storedTracker(): CampaignCPMTracker {
  return CampaignCPMTracker.fromDict({
    ...pythonTrackerDict,
    agreements: [{ cpm: "25.50", engagement_rate: 4.2, source: { by: "agent" } }],
    notes: ["kept"],
  });
}

describe("copyCpmTracker", () => {
  it("copies the campaign, targets, agreements and kept keys", () => {
    const original = storedTracker();
    const copy = copyCpmTracker(original);
    expect(copy).not.toBe(original);
    expect(copy).toBeInstanceOf(CampaignCPMTracker);
    expect(copy.toDict()).toEqual(original.toDict());
    expect(JSON.stringify(copy.toDict())).toBe(JSON.stringify(original.toDict()));
    expect(copy.targetMinCpm.toFixed()).toBe("20");
    expect(copy.targetMaxCpm.toFixed()).toBe("30");
    expect(copy.getFlexibility(4.2)).toEqual(original.getFlexibility(4.2));
  });

  it("records agreements on the copy without changing the original, and the reverse", () => {
    const original = storedTracker();
    const copy = copyCpmTracker(original);
    const other = copyCpmTracker(original);
    copy.recordAgreement("21", null);
    original.recordAgreement("29", 6);
    expect(copy.agreements.map(({ cpm }) => cpm.toFixed())).toEqual(["25.5", "21"]);
    expect(original.agreements.map(({ cpm }) => cpm.toFixed())).toEqual(["25.5", "29"]);
    expect(other.agreements.map(({ cpm }) => cpm.toFixed())).toEqual(["25.5"]);
  });

  it("hands out amounts and kept values that cannot reach another copy", () => {
    const original = storedTracker();
    const copy = copyCpmTracker(original);
    const max = copy.targetMaxCpm as unknown as { c: number[] };
    max.c[0] = 9;
    const [agreement] = copy.agreements as unknown as [{ cpm: { c: number[] } }];
    agreement.cpm.c[0] = 9;
    const dict = copy.toDict();
    (dict.notes as string[]).push("changed");
    (dict.agreements[0]?.source as Record<string, string>).by = "changed";
    expect(original.toDict()).toEqual(storedTracker().toDict());
    expect(copy.toDict()).toEqual(storedTracker().toDict());
  });
});
