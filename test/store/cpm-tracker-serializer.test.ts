import { describe, expect, it } from "vitest";
import { CampaignCPMTracker, type CpmTrackerDict } from "../../src/domain/campaign-cpm-tracker.js";
import { ValidationError } from "../../src/domain/errors.js";
import {
  deserializeCpmTracker,
  serializeCpmTracker,
} from "../../src/store/cpm-tracker-serializer.js";
import { pythonTrackerDict } from "../support/negotiations.js";

const pythonDict = pythonTrackerDict;

describe("serializeCpmTracker", () => {
  it("writes a tracker as its toDict() form", () => {
    const tracker = new CampaignCPMTracker("camp-001", "20", "30", 5);
    tracker.recordAgreement("25.50", 4.2);
    expect(serializeCpmTracker(tracker)).toStrictEqual(tracker.toDict());
    expect(serializeCpmTracker(tracker).agreements[0]?.cpm).toBe("25.5");
  });

  it("validates a dict and writes its decimals exactly", () => {
    expect(serializeCpmTracker(pythonDict)).toStrictEqual({
      ...pythonDict,
      agreements: [
        { cpm: "25.5", engagement_rate: 4.2 },
        { cpm: "22", engagement_rate: null },
      ],
    });
  });

  it("refuses a malformed dict, naming the path", () => {
    const bad = { ...pythonDict, agreements: [{ cpm: "x", engagement_rate: null }] };
    expect(() => serializeCpmTracker(bad)).toThrow(ValidationError);
    expect(() => serializeCpmTracker(bad)).toThrow(/^cpm_tracker\.agreements\[0\]\.cpm: /);
  });

  it("validates what a tracker-like object from another package copy writes", () => {
    const foreign = { toDict: () => ({ ...pythonDict, total_influencers: -1 }) };
    expect(() => serializeCpmTracker(foreign as unknown as CpmTrackerDict)).toThrow(
      /^cpm_tracker\.total_influencers: /,
    );
    const fine = { toDict: () => pythonDict };
    expect(serializeCpmTracker(fine as unknown as CpmTrackerDict).target_max_cpm).toBe("30");
  });
});

describe("deserializeCpmTracker", () => {
  it("rebuilds a tracker from a Python-written dict", () => {
    const tracker = deserializeCpmTracker(JSON.parse(JSON.stringify(pythonDict)));
    expect(tracker).toBeInstanceOf(CampaignCPMTracker);
    expect(tracker.agreements[0]?.cpm.eq("25.5")).toBe(true);
    expect(tracker.agreements[1]?.engagementRate).toBeNull();
    expect(tracker.getFlexibility(4).maxAllowedCpm.toFixed()).toBe("36");
  });

  it("round-trips with serializeCpmTracker", () => {
    const tracker = deserializeCpmTracker(pythonDict);
    expect(serializeCpmTracker(deserializeCpmTracker(serializeCpmTracker(tracker)))).toStrictEqual(
      serializeCpmTracker(tracker),
    );
  });

  it("refuses a malformed dict, naming the path", () => {
    expect(() => deserializeCpmTracker({ ...pythonDict, campaign_id: "" })).toThrow(
      /^cpm_tracker\.campaign_id: /,
    );
    expect(() => deserializeCpmTracker(null)).toThrow(/^cpm_tracker: /);
  });
});
