import type Big from "big.js";
import { describeValue, errorMessage } from "../errors/negotiation-error.js";
import { ValidationError } from "../errors/validation-error.js";
import {
  formatCents,
  formatMoney,
  type MoneyInput,
  moneyConstructor,
  toNonNegativeMoney,
} from "./money.js";
import { decimalAdd, decimalDivide, decimalMultiply, decimalSubtract } from "./python-decimal.js";
import { pythonFloatRepr } from "./python-float.js";

/**
 * A CPM tracker as stored in `cpm_tracker_json`: the snake_case shape the Python service
 * reads and writes. Decimals are exact strings. Keys this version does not know (DESIGN
 * §4) are kept as they were read and written back after the known ones, in their order.
 */
export interface CpmTrackerDict {
  /** The campaign's id; non-blank. */
  campaign_id: string;
  /** The low end of the campaign's CPM range, as an exact decimal string (`"20"`, `"25.5"`). */
  target_min_cpm: string;
  /** The high end of the campaign's CPM range, in the same form. */
  target_max_cpm: string;
  /** How many influencers the campaign will book; a non-negative integer. */
  total_influencers: number;
  /** The agreements so far, oldest first. */
  agreements: CpmAgreementDict[];
  /** An unknown key, kept: any JSON value. */
  [key: string]: unknown;
}

/** One agreement as stored in the tracker dict; unknown keys are kept as in the dict. */
export interface CpmAgreementDict {
  /** The agreed CPM, as an exact decimal string; never negative. */
  cpm: string;
  /**
   * The influencer's engagement rate in percent (`4.2` is 4.2%), or `null` when unknown; a
   * dict without the key reads as `null`.
   */
  engagement_rate: number | null;
  /** An unknown key, kept: any JSON value. */
  [key: string]: unknown;
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

/** Premiums and cap, as the Python service writes them: `Decimal("0.15")` and so on. */
const HIGH_ENGAGEMENT_PREMIUM = "0.15";
const MODERATE_ENGAGEMENT_PREMIUM = "0.08";
const CAP_FACTOR = "1.20";
const HIGH_ENGAGEMENT_ABOVE = 5;
const MODERATE_ENGAGEMENT_ABOVE = 3;

/** Unknown keys of a dict, in their order, each as the JSON text of its value. */
type ExtraKeys = readonly (readonly [key: string, json: string])[];

/** An agreement and the unknown keys of the dict it was read from. */
interface StoredAgreement {
  readonly agreement: CpmAgreement;
  readonly extra: ExtraKeys;
}

/**
 * Set by the first {@link CampaignCPMTracker} made, whose class body alone reaches the
 * private fields: there is no tracker to copy before one was made. Not a static block, which
 * bundlers keep as a side effect even where the class is unused.
 */
let copyTracker: ((tracker: CampaignCPMTracker) => CampaignCPMTracker) | undefined;

/**
 * The CPMs agreed so far in one campaign, and how far above target the next offer may go.
 *
 * The figures are the Python service's, digit for digit: its tracker computes with
 * Python's `decimal` module in the default context, where every operation is rounded to 28
 * significant digits, half-even, and so does this one (see {@link CampaignCPMTracker.getFlexibility}). Money is
 * `Big` of the package's own constructor, so a consumer's `Big.DP` or `Big.RM` plays no
 * part. The reason text is the Python service's as well.
 *
 * @example
 * const tracker = new CampaignCPMTracker("camp-001", "20", "30", 12);
 * tracker.recordAgreement("26.42", 4.2);
 * const { maxAllowedCpm, reason } = tracker.getFlexibility(3);
 * maxAllowedCpm.toFixed(); // "30.32545454545454545454545455"
 * reason; // "budget savings: +$0.33; low engagement (3.0%): no premium; max allowed: $30.33"
 */
export class CampaignCPMTracker {
  readonly #campaignId: string;
  // Not readonly: a copy (copyCpmTracker) takes its original's, already checked.
  #targetMinCpm: Big;
  #targetMaxCpm: Big;
  readonly #totalInfluencers: number;
  readonly #agreements: StoredAgreement[] = [];
  #extra: ExtraKeys = [];

  /**
   * Starts a campaign's tracker, with no agreement yet.
   *
   * @param campaignId - The campaign's id; not blank.
   * @param targetMinCpm - The low end of the campaign's CPM range; not negative.
   * @param targetMaxCpm - The high end of the campaign's CPM range; not negative.
   * @param totalInfluencers - How many influencers the campaign will book; a non-negative integer.
   * @throws {@link ValidationError} (code `INVALID_INPUT`) naming the parameter
   *   (`campaignId`, `targetMinCpm`, `targetMaxCpm`, `totalInfluencers`) when it is not
   *   valid; money must be a `Big`, a decimal string or a safe integer.
   * @example
   * const tracker = new CampaignCPMTracker("camp-001", "20", "30", 12);
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
    copyTracker ??= (tracker) => {
      // Zeros check cheaply; the original's targets, checked when it was made, replace them.
      const copy = new CampaignCPMTracker(tracker.#campaignId, 0, 0, tracker.#totalInfluencers);
      // Amounts, agreements and kept keys are never changed in place, and amounts are handed
      // out as copies only: shared safely.
      copy.#targetMinCpm = tracker.#targetMinCpm;
      copy.#targetMaxCpm = tracker.#targetMaxCpm;
      copy.#agreements.push(...tracker.#agreements);
      copy.#extra = tracker.#extra;
      return copy;
    };
  }

  /**
   * Rebuilds a tracker from its stored form (the `cpm_tracker_json` column), such as one
   * the Python service wrote. A missing `engagement_rate` means `null`. Keys the shape does
   * not know, at the top level and in each agreement, are kept (as copies of their JSON
   * value) and written back by {@link toDict} after the known keys, in their order.
   *
   * @param data - The parsed dict.
   * @returns The tracker, with its agreements in stored order.
   * @throws {@link ValidationError} (code `INVALID_INPUT`) whose path names the bad value,
   *   such as `cpm_tracker.agreements[1].cpm`, or an unknown key whose value is not JSON
   *   data (a cycle, a bigint, a function), such as `cpm_tracker.notes`.
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
      tracker.#agreements.push({
        agreement: Object.freeze({
          cpm: toNonNegativeMoney(agreement.cpm, `${path}.cpm`),
          engagementRate: optionalRate(agreement.engagement_rate, `${path}.engagement_rate`),
        }),
        extra: extraKeys(agreement, AGREEMENT_KEYS, path),
      });
    });
    tracker.#extra = extraKeys(dict, TRACKER_KEYS, root);
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
      this.#agreements.map(({ agreement }) =>
        Object.freeze({ cpm: copy(agreement.cpm), engagementRate: agreement.engagementRate }),
      ),
    );
  }

  /**
   * The mean agreed CPM as the Python service computes it: the CPMs added one by one from
   * 0, then divided by their count, each operation rounded to 28 significant digits,
   * half-even (`sum(cpms) / len(cpms)` in Python's default decimal context); `null` before
   * the first agreement.
   *
   * @throws {@link ValidationError} (code `INVALID_INPUT`) when the sum overflows Python's
   *   decimal range (an exponent above 999999), where the Python service raises
   *   `decimal.Overflow`.
   */
  get runningAverageCpm(): Big | null {
    const count = this.#agreements.length;
    if (count === 0) return null;
    const Money = moneyConstructor();
    // Python's sum() starts from the int 0, so even one agreement is rounded once.
    const total = this.#agreements.reduce<Big>(
      (sum, { agreement }) => decimalAdd(sum, agreement.cpm),
      new Money(0),
    );
    return decimalDivide(total, new Money(count));
  }

  /**
   * Records an agreed CPM.
   *
   * @param cpm - The agreed CPM; not negative.
   * @param engagementRate - The influencer's engagement rate in percent; `null` or omitted
   *   when unknown.
   * @throws {@link ValidationError} (code `INVALID_INPUT`, path `cpm` or `engagementRate`)
   *   for a negative or inexact amount, or a rate that is not a finite number.
   */
  recordAgreement(cpm: MoneyInput, engagementRate?: number | null): void {
    const agreement: CpmAgreement = {
      cpm: toNonNegativeMoney(cpm, "cpm"),
      engagementRate: optionalRate(engagementRate, "engagementRate"),
    };
    this.#agreements.push({ agreement: Object.freeze(agreement), extra: [] });
  }

  /**
   * How far above target the next offer may go, computed as the Python service does, in
   * Python's default decimal context (each operation rounded to 28 significant digits,
   * half-even, in this order; comparisons on the rounded values):
   * - budget premium, when the running average is below the target max and influencers
   *   remain (total minus agreements above 0): `savings = target max - average`, then
   *   `(savings x agreements) / remaining`; otherwise 0;
   * - engagement premium: `target max x 0.15` above 5%, `target max x 0.08` above 3% (both
   *   exclusive), otherwise 0;
   * - `max = (target max + budget premium) + engagement premium`, `cap = target max x 1.20`,
   *   and the result is the smaller of the two.
   *
   * The reason joins these parts with `"; "`: `budget savings: +$x` (when that premium is
   * above 0); the engagement part (`high engagement (R% > 5%): +15%`, `moderate engagement
   * (R% > 3%): +8%`, `low engagement (R%): no premium` or `no engagement data`);
   * `capped at 120% of target max ($x)` (when the result is the cap and a premium above 0
   * applied); `max allowed: $x`. Amounts have two decimals, rounded half-even from the
   * exact value (Python's `format(Decimal, ".2f")`); a rate is written as Python writes a
   * float (`3` as `3.0`, `0.00001` as `1e-05`).
   *
   * @param engagementRate - The influencer's engagement rate in percent; `null` or omitted
   *   when unknown.
   * @returns The target (the target max), the maximum allowed CPM, and the reason, such as
   *   `"budget savings: +$4.17; moderate engagement (4.2% > 3%): +8%; capped at 120% of
   *   target max ($36.00); max allowed: $36.00"`.
   * @throws {@link ValidationError} (code `INVALID_INPUT`, path `engagementRate`) for NaN,
   *   Infinity or a non-number; (path `amount`) when an amount overflows Python's decimal
   *   range, where the Python service raises `decimal.Overflow`.
   */
  getFlexibility(engagementRate?: number | null): Flexibility {
    const rate = optionalRate(engagementRate, "engagementRate");
    const Money = moneyConstructor();
    const targetMax = this.#targetMaxCpm;
    const count = this.#agreements.length;
    const remaining = this.#totalInfluencers - count;
    const average = this.runningAverageCpm;
    const parts: string[] = [];

    let budgetPremium = new Money(0);
    if (average?.lt(targetMax) && remaining > 0) {
      const savings = decimalSubtract(targetMax, average);
      budgetPremium = decimalDivide(
        decimalMultiply(savings, new Money(count)),
        new Money(remaining),
      );
      if (budgetPremium.gt(0)) parts.push(`budget savings: +${dollars(budgetPremium)}`);
    }

    let engagementPremium = new Money(0);
    if (rate === null) {
      parts.push("no engagement data");
    } else if (rate > HIGH_ENGAGEMENT_ABOVE) {
      engagementPremium = decimalMultiply(targetMax, new Money(HIGH_ENGAGEMENT_PREMIUM));
      parts.push(`high engagement (${pythonFloatRepr(rate)}% > ${HIGH_ENGAGEMENT_ABOVE}%): +15%`);
    } else if (rate > MODERATE_ENGAGEMENT_ABOVE) {
      engagementPremium = decimalMultiply(targetMax, new Money(MODERATE_ENGAGEMENT_PREMIUM));
      parts.push(
        `moderate engagement (${pythonFloatRepr(rate)}% > ${MODERATE_ENGAGEMENT_ABOVE}%): +8%`,
      );
    } else {
      parts.push(`low engagement (${pythonFloatRepr(rate)}%): no premium`);
    }

    // Both additions always happen, as in the Python service, so a target max of more
    // than 28 digits comes out rounded even when no premium applies.
    const uncapped = decimalAdd(decimalAdd(targetMax, budgetPremium), engagementPremium);
    const cap = decimalMultiply(targetMax, new Money(CAP_FACTOR));
    const maxAllowed = cap.lt(uncapped) ? cap : uncapped;
    if (maxAllowed.eq(cap) && (budgetPremium.gt(0) || engagementPremium.gt(0))) {
      parts.push(`capped at 120% of target max (${dollars(cap)})`);
    }
    parts.push(`max allowed: ${dollars(maxAllowed)}`);

    return { targetCpm: copy(targetMax), maxAllowedCpm: maxAllowed, reason: parts.join("; ") };
  }

  /**
   * The tracker's stored form, for `cpm_tracker_json`: snake_case keys, decimals as exact
   * strings in plain notation, and the unknown keys of the dict it was read from (top
   * level and per agreement) after the known ones, unchanged.
   *
   * @returns A new dict; changing it does not change the tracker.
   */
  toDict(): CpmTrackerDict {
    const dict: CpmTrackerDict = {
      campaign_id: this.#campaignId,
      target_min_cpm: formatMoney(this.#targetMinCpm),
      target_max_cpm: formatMoney(this.#targetMaxCpm),
      total_influencers: this.#totalInfluencers,
      agreements: this.#agreements.map(({ agreement, extra }) =>
        withExtraKeys<CpmAgreementDict>(
          { cpm: formatMoney(agreement.cpm), engagement_rate: agreement.engagementRate },
          extra,
        ),
      ),
    };
    return withExtraKeys(dict, this.#extra);
  }
}

/**
 * A tracker equal to `tracker` that changes independently of it: what `fromDict` would make
 * of `tracker.toDict()`, without the serializing and checking (`tracker` was checked when it
 * was made). For rows that store the same tracker: one `fromDict`, then a copy per row.
 *
 * @param tracker - A tracker.
 * @returns A new tracker with the same campaign, targets, agreements and kept keys.
 * @internal
 */
export function copyCpmTracker(tracker: CampaignCPMTracker): CampaignCPMTracker {
  // `tracker` exists, so a constructor has run and set it.
  return (copyTracker as NonNullable<typeof copyTracker>)(tracker);
}

const TRACKER_KEYS: readonly string[] = [
  "campaign_id",
  "target_min_cpm",
  "target_max_cpm",
  "total_influencers",
  "agreements",
];
const AGREEMENT_KEYS: readonly string[] = ["cpm", "engagement_rate"];

const NO_EXTRA_KEYS: ExtraKeys = [];

/** The keys of `dict` that are not `known`, each kept as the JSON text of its value. */
function extraKeys(
  dict: Record<string, unknown>,
  known: readonly string[],
  path: string,
): ExtraKeys {
  const keys = Object.keys(dict);
  // The common case, every key known, costs no array of its own.
  if (keys.every((key) => known.includes(key))) return NO_EXTRA_KEYS;
  return keys
    .filter((key) => !known.includes(key))
    .map((key) => {
      // Read as a field: "__proto__" from JSON.parse is an own property like any other.
      const value: unknown = Object.getOwnPropertyDescriptor(dict, key)?.value;
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch (error) {
        throw new ValidationError(`${path}.${key}`, `cannot be kept: ${errorMessage(error)}`, {
          cause: error,
        });
      }
      if (json === undefined) {
        throw new ValidationError(
          `${path}.${key}`,
          `cannot be kept: expected JSON data, got ${describeValue(value)}`,
        );
      }
      return [key, json] as const;
    });
}

/** `dict` with the kept keys added after its own, each a fresh copy of its value. */
function withExtraKeys<T extends object>(dict: T, extra: ExtraKeys): T {
  for (const [key, json] of extra) {
    // defineProperty, so that "__proto__" becomes a field rather than the prototype.
    Object.defineProperty(dict, key, {
      value: JSON.parse(json),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return dict;
}

function copy(money: Big): Big {
  return new (moneyConstructor())(money);
}

/** Python's `format(value, ".2f")` for a Decimal: two places, half-even, from the exact value. */
function dollars(money: Big): string {
  return `$${formatCents(money)}`;
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
