/** The deep copy of a parsed campaign, for callers that hand out campaigns they keep. */
import type { Campaign } from "./campaign.js";
import { isBigNumber, moneyConstructor, toMoney } from "./money.js";

/**
 * A deep copy of a parsed campaign: nothing in it is shared with the original, money
 * included. Every object comes back a plain object (an own `"__proto__"` key stays a plain
 * field), every array an array, and every `Big` a `Big` of the package's own constructor.
 *
 * @internal
 */
export function copyCampaign(campaign: Campaign): Campaign {
  return campaignCopier(campaign)();
}

/** A `Big` of the package's own constructor, equal to `money`. */
function copyMoney(money: unknown): unknown {
  const Money = moneyConstructor();
  // The package's own Big (every Big a parse makes) copies its digits without a parse.
  return money instanceof Money ? new Money(money) : toMoney(money, "");
}

/** How to copy one value of a campaign that does not change: found once, used per copy. */
type CopyPlan = (value: unknown) => unknown;

/**
 * A function that makes deep copies of `campaign`, as {@link copyCampaign} does, faster:
 * where the objects, arrays and `Big`s are in it is found once, so a copy spreads each
 * object and copies only what is nested. For a campaign no one changes while copies are
 * made (a parse kept in a cache).
 *
 * @param campaign - A parsed campaign, never changed afterwards.
 * @returns A function returning a new copy on each call.
 * @internal
 */
export function campaignCopier(campaign: Campaign): () => Campaign {
  const plan = planFor(campaign);
  return () => plan(campaign) as Campaign;
}

function planFor(value: unknown): CopyPlan {
  if (typeof value !== "object" || value === null) return (same) => same;
  if (Array.isArray(value)) {
    const items = value.map(planFor);
    return (array) => (array as unknown[]).map((item, index) => (items[index] as CopyPlan)(item));
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null && isBigNumber(value)) {
    return copyMoney;
  }
  const nested: [key: string, plan: CopyPlan][] = [];
  for (const [key, child] of Object.entries(value)) {
    if (typeof child === "object" && child !== null) nested.push([key, planFor(child)]);
  }
  return (record) => {
    // A spread copies own enumerable fields as data (so "__proto__" stays a field), through
    // V8's fast object clone; the field is then the copy's own, so setting it sets it.
    const copy: Record<string, unknown> = { ...(record as object) };
    for (const [key, plan] of nested) copy[key] = plan(copy[key]);
    return copy;
  };
}
