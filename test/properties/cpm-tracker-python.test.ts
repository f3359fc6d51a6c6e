/**
 * Property: the CPM tracker's figures and reason are the Python service's, digit for digit
 * (DESIGN §3). Each generated tracker (CPMs of up to 40 and more significant digits,
 * trailing zeros, exponents; engagement rates of every kind, null included) is computed
 * by python3's `decimal` in its default context (test/support/python-cpm-tracker.py, one
 * process for the whole run) and by the package, built both ways (constructor and
 * recordAgreement, and fromDict of the dict Python would read).
 */
import Big from "big.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CampaignCPMTracker } from "../../src/domain/campaign-cpm-tracker.js";
import { formatMoney } from "../../src/domain/money.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import {
  type PythonCpmTracker,
  startPythonCpmTracker,
  type TrackerCase,
} from "../support/python-cpm-tracker.js";
import { checkProperty, nonNegativeDecimalCase, timeoutFor } from "./support.js";

let python: PythonCpmTracker;
beforeAll(() => {
  python = startPythonCpmTracker();
});
afterAll(() => python.close());

const digits = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength, maxLength });

/** Plain decimals around 0 to 60, with up to 40 decimals (42 significant digits). */
const plainCpm = fc
  .record({ whole: fc.integer({ min: 0, max: 60 }), fraction: digits(0, 40) })
  .map(({ whole, fraction }) => (fraction === "" ? String(whole) : `${whole}.${fraction}`));

/** A CPM as the caller or the Python service may write it. */
const cpmText = fc.oneof(
  { weight: 6, arbitrary: plainCpm },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "25.50",
      "30",
      "0",
      "0E-7",
      "2.55E+1",
      "29.999999999999999999999999999999999999999",
      "1234567890123456789012345678901234567890",
    ),
  },
  {
    weight: 1,
    arbitrary: nonNegativeDecimalCase({ intDigits: 30, fracDigits: 45 }).map((d) => d.text),
  },
);

/** Engagement rates: null, thresholds and their neighbours, Python's exponent cases, any double. */
const rate: fc.Arbitrary<number | null> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      3,
      5,
      3.0000001,
      5.0000001,
      2.9999999,
      4.2,
      2.5,
      6,
      0,
      -0,
      1e-5,
      1e-4,
      1.5e-7,
      1e15,
      1e16,
      123456789012345680000,
      5e-324,
    ),
  },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, min: 0, max: 10 }) },
  { weight: 1, arbitrary: fc.integer({ min: -2, max: 12 }) },
);

const randomTracker: fc.Arbitrary<TrackerCase> = fc
  .record({
    targetMinCpm: cpmText,
    targetMaxCpm: fc.oneof(fc.integer({ min: 0, max: 100 }).map(String), cpmText),
    agreements: fc.array(fc.record({ cpm: cpmText, rate }), { maxLength: 8 }),
    more: fc.integer({ min: -3, max: 12 }),
    rate,
  })
  .map(({ more, ...tracker }) => ({
    ...tracker,
    totalInfluencers: Math.max(0, tracker.agreements.length + more),
  }));

/**
 * Trackers whose sum lands exactly on the cap: one agreement of two whose savings plus the
 * engagement premium make 20% of the target max (budget alone, +8% or +15%).
 */
const onTheCap: fc.Arbitrary<TrackerCase> = fc
  .record({
    target: fc.oneof(fc.integer({ min: 1, max: 1000 }).map(String), plainCpm),
    engagement: fc.constantFrom(
      { share: "0.8", rate: null },
      { share: "0.88", rate: 4.2 },
      { share: "0.95", rate: 6 },
    ),
  })
  .map(({ target, engagement }) => ({
    targetMinCpm: "0",
    targetMaxCpm: target,
    agreements: [{ cpm: new Big(target).times(engagement.share).toFixed(), rate: null }],
    totalInfluencers: 2,
    rate: engagement.rate,
  }));

describe("CampaignCPMTracker against the Python service's tracker", () => {
  it(
    "maxAllowedCpm, runningAverageCpm, targetCpm and the reason are Python's, digit for digit",
    async () => {
      let capped = 0;
      let premiums = 0;
      await checkProperty(
        "CPM tracker vs Python decimal",
        fc.asyncProperty(
          fc.oneof({ weight: 5, arbitrary: randomTracker }, { weight: 1, arbitrary: onTheCap }),
          async (tracker) => {
            const expected = await python.flexibility(tracker);
            if ("error" in expected) throw new Error(`Python raised ${expected.error}`);
            const built = new CampaignCPMTracker(
              "camp",
              tracker.targetMinCpm,
              tracker.targetMaxCpm,
              tracker.totalInfluencers,
            );
            for (const { cpm, rate } of tracker.agreements) built.recordAgreement(cpm, rate);
            const read = CampaignCPMTracker.fromDict({
              campaign_id: "camp",
              target_min_cpm: tracker.targetMinCpm,
              target_max_cpm: tracker.targetMaxCpm,
              total_influencers: tracker.totalInfluencers,
              agreements: tracker.agreements.map(({ cpm, rate }) => ({
                cpm,
                engagement_rate: rate,
              })),
            });
            for (const candidate of [built, read]) {
              const { targetCpm, maxAllowedCpm, reason } = candidate.getFlexibility(tracker.rate);
              const average = candidate.runningAverageCpm;
              // Written out first, so that a failure shows both sides in full.
              expect({
                average: average === null ? null : formatMoney(average),
                target: formatMoney(targetCpm),
                max: formatMoney(maxAllowedCpm),
                reason,
              }).toEqual({
                average:
                  expected.running_average_cpm === null
                    ? null
                    : new Big(expected.running_average_cpm).toFixed(),
                target: new Big(expected.target_cpm).toFixed(),
                max: new Big(expected.max_allowed_cpm).toFixed(),
                reason: expected.reason,
              });
              expect(maxAllowedCpm.eq(expected.max_allowed_cpm)).toBe(true);
              expect(targetCpm.eq(expected.target_cpm)).toBe(true);
              if (expected.running_average_cpm !== null)
                expect(average?.eq(expected.running_average_cpm)).toBe(true);
            }
            if (expected.reason.includes("capped at")) capped++;
            if (expected.reason.startsWith("budget savings")) premiums++;
          },
        ),
        300,
      );
      // The generators reach the branches the property is about.
      expect(capped).toBeGreaterThan(0);
      expect(premiums).toBeGreaterThan(0);
    },
    timeoutFor(300, 10),
  );

  it("an amount beyond Python's decimal range fails where Python raises decimal.Overflow", async () => {
    const tracker: TrackerCase = {
      targetMinCpm: "0",
      targetMaxCpm: "9e999999",
      totalInfluencers: 1,
      agreements: [],
      rate: null,
    };
    expect(await python.flexibility(tracker)).toEqual({ error: "Overflow" });
    const built = new CampaignCPMTracker("camp", "0", "9e999999", 1);
    expect(() => built.getFlexibility(null)).toThrow(ValidationError);
    expect(() => built.getFlexibility(null)).toThrow(/decimal\.Overflow/);
  });
});
