import { describe, expect, it } from "vitest";
import { CampaignCPMTracker, type CpmTrackerDict } from "../../src/domain/campaign-cpm-tracker.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import {
  deserializeCpmTracker,
  serializeCpmTracker,
} from "../../src/store/cpm-tracker-serializer.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { negotiation, pythonTrackerDict } from "../support/negotiations.js";

const pythonDict = pythonTrackerDict;

/** A tracker dict as a newer Python service may write it, with keys this version does not know. */
const WITH_UNKNOWN_KEYS = `{"campaign_id":"camp-001","target_min_cpm":"20","target_max_cpm":"30","total_influencers":5,"agreements":[{"cpm":"25.5","engagement_rate":4.2,"influencer":"Ava","terms":{"days":30,"rights":["organic"]}},{"cpm":"22","engagement_rate":null,"__proto__":null}],"currency":"USD","history":[{"at":"2026-01-02T00:00:00Z","cpm":"25.5"}],"budget_left":null}`;

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

describe("unknown keys of the tracker dict (DESIGN §4)", () => {
  it("come back unchanged, top level and per agreement, through deserialize and serialize", () => {
    const tracker = deserializeCpmTracker(JSON.parse(WITH_UNKNOWN_KEYS));
    expect(JSON.stringify(serializeCpmTracker(tracker))).toBe(WITH_UNKNOWN_KEYS);
    expect(JSON.stringify(serializeCpmTracker(JSON.parse(WITH_UNKNOWN_KEYS)))).toBe(
      WITH_UNKNOWN_KEYS,
    );
    // The known keys lead; a dict read with them in another order is written in the known order.
    const shuffled = JSON.parse(WITH_UNKNOWN_KEYS) as Record<string, unknown>;
    const reordered = { currency: shuffled.currency, ...shuffled };
    expect(Object.keys(serializeCpmTracker(reordered as unknown as CpmTrackerDict))).toEqual([
      "campaign_id",
      "target_min_cpm",
      "target_max_cpm",
      "total_influencers",
      "agreements",
      "currency",
      "history",
      "budget_left",
    ]);
  });

  it("survive a save and a load through a store", async () => {
    const store = await openNegotiationStore({ persistence: memoryPersistence() });
    try {
      const input = negotiation("thread-unknown-keys", ["send_offer"], {
        cpmTracker: JSON.parse(WITH_UNKNOWN_KEYS) as CpmTrackerDict,
      });
      await store.save(input);
      const [row] = await store.loadActive();
      expect(row?.cpm_tracker_json).toBe(WITH_UNKNOWN_KEYS);
      const [restored] = await store.restoreActive();
      expect(JSON.stringify(restored?.cpmTracker.toDict())).toBe(WITH_UNKNOWN_KEYS);
    } finally {
      await store.close();
    }
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
