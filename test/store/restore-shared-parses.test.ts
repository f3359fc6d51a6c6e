/**
 * Rows of one campaign share one parse of its campaign and tracker JSON in a restore, and
 * timestamps found valid are not checked again; yet every negotiation gets objects of its
 * own, and every row gets every check it would get alone.
 */
import { describe, expect, it, vi } from "vitest";
import { serializeCampaign } from "../../src/domain/campaign.js";
import type { CpmTrackerDict } from "../../src/domain/campaign-cpm-tracker.js";
import { RestoreError, type RowFailure } from "../../src/store/errors.js";
import {
  checkedRow,
  negotiationToRow,
  type RestoredNegotiation,
  rebuildRows,
  restoreNegotiationRows,
  rowChecker,
  rowToNegotiation,
} from "../../src/store/negotiation-row.js";
import type { NegotiationStateRow } from "../../src/store/negotiation-state-table.js";
import { RowReadCache } from "../../src/store/row-read-cache.js";
import { campaignInput, negotiation } from "../support/negotiations.js";
import { thrownBy } from "../support/thrown-by.js";

/** A row of campaign `campaignId` as `save` writes it, with columns overridden. */
function row(
  threadId: string,
  campaignId = "camp-1",
  overrides: Partial<NegotiationStateRow> = {},
): NegotiationStateRow {
  const input = negotiation(threadId, ["send_offer"], {
    campaign: campaignInput({ campaign_id: campaignId }),
  });
  return { ...negotiationToRow(input, "2026-03-01T10:00:00Z"), ...overrides };
}

function restoredOnly(rows: readonly NegotiationStateRow[]): RestoredNegotiation[] {
  const { restored, failures } = rebuildRows(rows);
  expect(failures).toEqual([]);
  return restored;
}

const where = (failures: readonly RowFailure[]) =>
  failures.map(({ threadId, column }) => `${threadId}.${column}`);

describe("a restore of many rows of one campaign", () => {
  it("gives each negotiation a campaign and a tracker of its own, equal to the stored ones", () => {
    const [a, b, c] = restoredOnly([row("a"), row("b"), row("c")]) as [
      RestoredNegotiation,
      RestoredNegotiation,
      RestoredNegotiation,
    ];
    expect(a.campaign).toEqual(b.campaign);
    expect(a.campaign).not.toBe(b.campaign);
    expect(a.campaign.budget).not.toBe(b.campaign.budget);
    expect(a.cpmTracker).not.toBe(b.cpmTracker);
    expect(a.cpmTracker.toDict()).toEqual(b.cpmTracker.toDict());

    a.campaign.cpm_range.min_cpm = b.campaign.cpm_range.max_cpm;
    a.campaign.influencers.push({ name: "Ana", platform: "tiktok", engagement_rate: null });
    a.cpmTracker.recordAgreement("21", 3.5);
    b.cpmTracker.recordAgreement("29", null);
    expect(c.campaign).toEqual(restoredOnly([row("c")])[0]?.campaign);
    expect(c.cpmTracker.toDict()).toEqual(restoredOnly([row("c")])[0]?.cpmTracker.toDict());
    expect(a.cpmTracker.agreements.map(({ cpm }) => cpm.toFixed())).toEqual(["25.5", "21"]);
    expect(b.cpmTracker.agreements.map(({ cpm }) => cpm.toFixed())).toEqual(["25.5", "29"]);
  });

  it("tells apart campaigns and trackers whose JSON texts have the same length", () => {
    const tracker = (campaignId: string): string =>
      JSON.stringify({
        ...(JSON.parse(row("x").cpm_tracker_json) as CpmTrackerDict),
        campaign_id: campaignId,
      });
    const rows = ["camp-1", "camp-2", "camp-1", "camp-3"].map((campaignId, index) =>
      row(`t${index}`, campaignId, { cpm_tracker_json: tracker(campaignId) }),
    );
    expect(new Set(rows.map((stored) => stored.campaign_json.length)).size).toBe(1);
    const restored = restoredOnly(rows);
    expect(restored.map(({ campaign }) => campaign.campaign_id)).toEqual([
      "camp-1",
      "camp-2",
      "camp-1",
      "camp-3",
    ]);
    expect(restored.map(({ cpmTracker }) => cpmTracker.campaignId)).toEqual([
      "camp-1",
      "camp-2",
      "camp-1",
      "camp-3",
    ]);
  });

  it("reports a shared campaign or tracker that cannot be read at every row that has it", () => {
    const badCampaign = serializeCampaign(campaignInput()).replace(
      '"budget":"10000"',
      '"budget":"-1"',
    );
    const badTracker = '{"campaign_id":"camp-001","target_min_cpm":"20"}';
    const { restored, failures } = rebuildRows([
      row("a", "camp-1", { campaign_json: badCampaign }),
      row("b", "camp-1", { cpm_tracker_json: badTracker }),
      row("c"),
      row("d", "camp-1", { campaign_json: badCampaign, cpm_tracker_json: badTracker }),
      row("e", "camp-1", { cpm_tracker_json: "{" }),
      row("f", "camp-1", { cpm_tracker_json: "{" }),
    ]);
    expect(restored.map(({ threadId }) => threadId)).toEqual(["c"]);
    expect(where(failures)).toEqual([
      "a.campaign_json",
      "b.cpm_tracker_json",
      "d.campaign_json",
      "d.cpm_tracker_json",
      "e.cpm_tracker_json",
      "f.cpm_tracker_json",
    ]);
    // The same failure as the row alone gets.
    expect(rowToNegotiation(row("a", "camp-1", { campaign_json: badCampaign }))).toEqual(
      failures.slice(0, 1),
    );
  });

  it("checks every timestamp that was not found valid, however many rows share it", () => {
    const { failures } = rebuildRows([
      row("a"),
      row("b", "camp-1", { updated_at: "2026-02-30T10:00:00Z" }),
      row("c", "camp-1", { updated_at: "2026-02-30T10:00:00Z" }),
      row("d", "camp-1", { created_at: "2026-02-30T10:00:00Z" }),
      row("e"),
    ]);
    expect(where(failures)).toEqual(["b.updated_at", "c.updated_at", "d.created_at"]);
    expect(() =>
      restoreNegotiationRows([
        row("a"),
        row("b", "camp-1", { created_at: "2026-02-30T10:00:00Z" }),
      ]),
    ).toThrow('negotiation_state["b"].created_at');
  });
});

describe("a writer's row checker (rows forwarded to it, putRow)", () => {
  it("reads a campaign text once over many rows, and still refuses what checkedRow refuses", () => {
    const check = rowChecker();
    const campaignText = row("t-1").campaign_json;
    const parse = vi.spyOn(JSON, "parse");
    try {
      check(row("t-1"));
      check(row("t-2"));
      check(row("t-3"));
      expect(parse.mock.calls.filter(([text]) => text === campaignText)).toHaveLength(1);
    } finally {
      parse.mockRestore();
    }
    // The same campaign text, another column wrong: refused, naming that column.
    const badHistory = row("t-4", "camp-1", { history_json: '[["nonsense","x","y"]]' });
    expect(failuresOf(() => check(badHistory)).map(({ column }) => column)).toEqual([
      "history_json",
    ]);
    expect(thrownBy(() => check(badHistory))).toEqual(thrownBy(() => checkedRow(badHistory)));
    // A campaign text found wrong stays wrong, every time it comes.
    const badCampaign = row("t-5", "camp-1", { campaign_json: '{"campaign_id":"camp-1"}' });
    for (let i = 0; i < 2; i++) {
      const failure = failuresOf(() => check(badCampaign));
      expect(failure).toEqual(failuresOf(() => checkedRow(badCampaign)));
      expect(failure.map(({ column }) => column)).toEqual(["campaign_json"]);
    }
  });

  it("past what it holds, it starts over and checks as well as before", () => {
    const check = rowChecker();
    const cache = new RowReadCache();
    const campaignText = row("t-0").campaign_json;
    const parse = vi.spyOn(JSON, "parse");
    try {
      // One campaign, 600 timestamps: a cache for all would grow with every row.
      for (let i = 0; i < 600; i++) {
        const stamp = new Date(Date.UTC(2026, 2, 1, 10, 0, i)).toISOString().replace(".000", "");
        const each = row(`t-${i}`, "camp-1", { created_at: stamp, updated_at: stamp });
        expect(check(each)).toBe(each);
        rowToNegotiation(each, cache);
      }
      expect(cache.size).toBeGreaterThan(600);
      // Read by the checker a few times (once per start), and once by the cache for all.
      const reads = parse.mock.calls.filter(([text]) => text === campaignText).length - 1;
      expect(reads).toBeGreaterThan(1);
      expect(reads).toBeLessThan(6);
    } finally {
      parse.mockRestore();
    }
    const late = row("t-late", "camp-1", { round_count: -1 });
    expect(failuresOf(() => check(late)).map(({ column }) => column)).toEqual(["round_count"]);
  });
});

/** The failures of the RestoreError `check` throws. */
function failuresOf(check: () => unknown): readonly RowFailure[] {
  try {
    check();
  } catch (error) {
    if (error instanceof RestoreError) return error.failures;
    throw error;
  }
  throw new Error("expected the row to be refused");
}
