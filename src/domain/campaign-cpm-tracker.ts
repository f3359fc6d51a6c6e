import type Big from "big.js";
import { describeValue, ValidationError } from "./errors.js";
import { formatMoney, type MoneyInput, moneyConstructor, toNonNegativeMoney } from "./money.js";

/**
 * A CPM tracker as stored in `cpm_tracker_json`: the snake_case shape the Python service
 * reads and writes. Decimals are exact strings.
 */
export interface CpmTrackerDict {
  campaign_id: string;
  target_min_cpm: string;
  target_max_cpm: string;
  total_influencers: number;
  agreements: { cpm: string; engagement_rate: number | null }[];
}

/** One agreed rate of a campaign. */
export interface CpmAgreement {
  /** The agreed CPM. */
  readonly cpm: Big;
  /** The influencer's engagement rate in percent, or `null` when unknown. */
  readonly engagementRate: number | null;
}

/** How far above target the next offer may go, and why. */
export interface Flexibility {
  /** The CPM to aim for: the campaign's target max. */
  readonly targetCpm: Big;
  /** The highest CPM allowed for this influencer; never above 120% of the target max. */
  readonly maxAllowedCpm: Big;
  /** Each part of the calculation, in words, joined by `"; "`. */
  readonly reason: string;
}

/** Premiums and cap, as exact decimal strings so no JS number touches money. */
const HIGH_ENGAGEMENT_PREMIUM = "0.15";
const MODERATE_ENGAGEMENT_PREMIUM = "0.08";
const CAP_FACTOR = "1.2";
const HIGH_ENGAGEMENT_ABOVE = 5;
const MODERATE_ENGAGEMENT_ABOVE = 3;

/**
 * The CPMs agreed so far in one campaign, and how far above target the next offer may go.
 *
 * Money is `Big` of the package's own constructor: divisions keep 40 decimal places, and
 * rounding (two decimals, half up) happens only in the reason text.
 *
 * @example
 * const tracker = new CampaignCPMTracker("camp-001", "20", "30", 10);
 * tracker.recordAgreement("25.50", 4.2);
 * const { maxAllowedCpm, reason } = tracker.getFlexibility(6);
 * maxAllowedCpm.toFixed(); // "35"
 * reason; // "high engagement (6% > 5%): +15%; budget savings: +$0.50; max allowed: $35.00"
 */
export class CampaignCPMTracker {
  readonly #campaignId: string;
  readonly #targetMinCpm: Big;
  readonly #targetMaxCpm: Big;
  readonly #totalInfluencers: number;
  readonly #agreements: CpmAgreement[] = [];

  /**
   * @param campaignId - The campaign's id; not blank.
   * @param targetMinCpm - The low end of the campaign's CPM range; not negative.
   * @param targetMaxCpm - The high end of the campaign's CPM range; not negative.
   * @param totalInfluencers - How many influencers the campaign will book; a non-negative integer.
   * @throws {@link ValidationError} naming the parameter (`campaignId`, `targetMinCpm`,
   *   `targetMaxCpm`, `totalInfluencers`) when it is not valid; money must be a `Big`, a
   *   decimal string or a safe integer.
   */
  constructor(
    campaignId: string,
    targetMinCpm: MoneyInput,
    targetMaxCpm: MoneyInput,
    totalInfluencers: number,
  ) {
    this.#campaignId = nonBlankString(campaignId, "campaignId");
    this.#targetMinCpm = toNonNegativeMoney(targetMinCpm, "targetMinCpm");
    this.#targetMaxCpm = toNonNegativeMoney(targetMaxCpm, "targetMaxCpm");
    this.#totalInfluencers = nonNegativeInteger(totalInfluencers, "totalInfluencers");
  }

  /**
   * Rebuilds a tracker from its stored form (the `cpm_tracker_json` column), such as one
   * the Python service wrote. A missing `engagement_rate` means `null`; keys the shape does
   * not know are ignored.
   *
   * @param data - The parsed dict.
   * @returns The tracker, with its agreements in stored order.
   * @throws {@link ValidationError} whose path names the bad value, such as
   *   `cpm_tracker.agreements[1].cpm`.
   */
  static fromDict(data: unknown): CampaignCPMTracker {
    const root = "cpm_tracker";
    const dict = record(data, root);
    const tracker = new CampaignCPMTracker(
      nonBlankString(dict.campaign_id, `${root}.campaign_id`),
      toNonNegativeMoney(dict.target_min_cpm, `${root}.target_min_cpm`),
      toNonNegativeMoney(dict.target_max_cpm, `${root}.target_max_cpm`),
      nonNegativeInteger(dict.total_influencers, `${root}.total_influencers`),
    );
    const agreements = dict.agreements;
    if (!Array.isArray(agreements)) {
      throw new ValidationError(
        `${root}.agreements`,
        `expected an array, got ${describeValue(agreements)}`,
      );
    }
    agreements.forEach((entry: unknown, index) => {
      const path = `${root}.agreements[${index}]`;
      const agreement = record(entry, path);
      tracker.#agreements.push(
        Object.freeze({
          cpm: toNonNegativeMoney(agreement.cpm, `${path}.cpm`),
          engagementRate: optionalRate(agreement.engagement_rate, `${path}.engagement_rate`),
        }),
      );
    });
    return tracker;
  }

  /** The campaign's id. */
  get campaignId(): string {
    return this.#campaignId;
  }

  /** The low end of the campaign's CPM range (a copy). */
  get targetMinCpm(): Big {
    return copy(this.#targetMinCpm);
  }

  /** The high end of the campaign's CPM range (a copy). */
  get targetMaxCpm(): Big {
    return copy(this.#targetMaxCpm);
  }

  /** How many influencers the campaign will book. */
  get totalInfluencers(): number {
    return this.#totalInfluencers;
  }

  /** The agreements so far, oldest first: a frozen copy that cannot change the tracker. */
  get agreements(): readonly CpmAgreement[] {
    return Object.freeze(
      this.#agreements.map((agreement) =>
        Object.freeze({ cpm: copy(agreement.cpm), engagementRate: agreement.engagementRate }),
      ),
    );
  }

  /** The mean agreed CPM (to 40 decimal places), or `null` before the first agreement. */
  get runningAverageCpm(): Big | null {
    const count = this.#agreements.length;
    return count === 0 ? null : this.#agreedTotal().div(count);
  }

  /**
   * Records an agreed CPM.
   *
   * @param cpm - The agreed CPM; not negative.
   * @param engagementRate - The influencer's engagement rate in percent; `null` or omitted
   *   when unknown.
   * @throws {@link ValidationError} (path `cpm` or `engagementRate`) for a negative or
   *   inexact amount, or a rate that is not a finite number.
   */
  recordAgreement(cpm: MoneyInput, engagementRate?: number | null): void {
    const agreement: CpmAgreement = {
      cpm: toNonNegativeMoney(cpm, "cpm"),
      engagementRate: optionalRate(engagementRate, "engagementRate"),
    };
    this.#agreements.push(Object.freeze(agreement));
  }

  /**
   * How far above target the next offer may go. The base is the target max; added to it:
   * - a budget premium, when the running average is below the target max and influencers
   *   remain: the savings so far, `(target max - average) x agreements`, spread over the
   *   remaining influencers;
   * - an engagement premium of the target max: +15% above 5%, +8% above 3% (both
   *   exclusive), none otherwise.
   *
   * The sum is capped at 120% of the target max.
   *
   * @param engagementRate - The influencer's engagement rate in percent; `null` or omitted
   *   when unknown.
   * @returns The target, the exact maximum allowed CPM, and the reason, such as
   *   `"moderate engagement (4% > 3%): +8%; budget savings: +$1.25; max allowed: $33.65"`.
   * @throws {@link ValidationError} (path `engagementRate`) for NaN, Infinity or a non-number.
   */
  getFlexibility(engagementRate?: number | null): Flexibility {
    const rate = optionalRate(engagementRate, "engagementRate");
    const targetMax = this.#targetMaxCpm;
    const parts: string[] = [];
    let maxAllowed = targetMax;

    if (rate === null) {
      parts.push("no engagement data");
    } else if (rate > HIGH_ENGAGEMENT_ABOVE) {
      maxAllowed = maxAllowed.plus(targetMax.times(HIGH_ENGAGEMENT_PREMIUM));
      parts.push(`high engagement (${rate}% > ${HIGH_ENGAGEMENT_ABOVE}%): +15%`);
    } else if (rate > MODERATE_ENGAGEMENT_ABOVE) {
      maxAllowed = maxAllowed.plus(targetMax.times(MODERATE_ENGAGEMENT_PREMIUM));
      parts.push(`moderate engagement (${rate}% > ${MODERATE_ENGAGEMENT_ABOVE}%): +8%`);
    } else {
      parts.push(`low engagement (${rate}%): no premium`);
    }

    const budgetPremium = this.#budgetPremium();
    if (budgetPremium !== null) {
      maxAllowed = maxAllowed.plus(budgetPremium);
      parts.push(`budget savings: +${dollars(budgetPremium)}`);
    }

    const cap = targetMax.times(CAP_FACTOR);
    if (maxAllowed.gt(cap)) {
      maxAllowed = cap;
      parts.push(`capped at 120% of target max (${dollars(cap)})`);
    }
    parts.push(`max allowed: ${dollars(maxAllowed)}`);

    return { targetCpm: copy(targetMax), maxAllowedCpm: maxAllowed, reason: parts.join("; ") };
  }

  /**
   * The tracker's stored form, for `cpm_tracker_json`: snake_case keys, decimals as exact
   * strings in plain notation.
   *
   * @returns A new dict; changing it does not change the tracker.
   */
  toDict(): CpmTrackerDict {
    return {
      campaign_id: this.#campaignId,
      target_min_cpm: formatMoney(this.#targetMinCpm),
      target_max_cpm: formatMoney(this.#targetMaxCpm),
      total_influencers: this.#totalInfluencers,
      agreements: this.#agreements.map((agreement) => ({
        cpm: formatMoney(agreement.cpm),
        engagement_rate: agreement.engagementRate,
      })),
    };
  }

  #agreedTotal(): Big {
    const Money = moneyConstructor();
    return this.#agreements.reduce((sum, agreement) => sum.plus(agreement.cpm), new Money(0));
  }

  /** `null` when no premium applies. */
  #budgetPremium(): Big | null {
    const count = this.#agreements.length;
    const remaining = this.#totalInfluencers - count;
    if (count === 0 || remaining <= 0) return null;
    // (max - total / count) x count is max x count - total: exact, so the one division
    // below is the only place digits can be cut.
    const savings = this.#targetMaxCpm.times(count).minus(this.#agreedTotal());
    return savings.gt(0) ? savings.div(remaining) : null;
  }
}

function copy(money: Big): Big {
  return new (moneyConstructor())(money);
}

function dollars(money: Big): string {
  return `$${money.toFixed(2, moneyConstructor().roundHalfUp)}`;
}

function nonBlankString(value: unknown, path: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ValidationError(path, `expected a non-blank string, got ${describeValue(value)}`);
  }
  return value;
}

function nonNegativeInteger(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(path, `expected a non-negative integer, got ${describeValue(value)}`);
  }
  return value;
}

function optionalRate(value: unknown, path: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new ValidationError(
      path,
      `expected a finite number (percent) or null, got ${describeValue(value)}`,
    );
  }
  return value;
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError(path, `expected an object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}
