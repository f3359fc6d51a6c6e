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
  return copyValue(campaign) as Campaign;
}

function copyValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index++) copy[index] = copyValue(value[index]);
    return copy;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) return copyRecord(value);
  const Money = moneyConstructor();
  // The package's own Big (every Big a parse makes) copies its digits without a parse.
  if (value instanceof Money) return new Money(value);
  if (isBigNumber(value)) return toMoney(value, "");
  return copyRecord(value);
}

function copyRecord(value: object): Record<string, unknown> {
  // A spread copies own enumerable fields as data (so "__proto__" stays a field), through
  // V8's fast object clone; only the nested objects need copying after it.
  const copy: Record<string, unknown> = { ...value };
  for (const key of Object.keys(copy)) {
    const child = copy[key];
    if (typeof child === "object" && child !== null) {
      // The field is the copy's own, so this assignment sets it, even for "__proto__".
      copy[key] = copyValue(child);
    }
  }
  return copy;
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
    return (money) => copyValue(money);
  }
  const nested: [key: string, plan: CopyPlan][] = [];
  for (const [key, child] of Object.entries(value)) {
    if (typeof child === "object" && child !== null) nested.push([key, planFor(child)]);
  }
  return (record) => {
    const copy: Record<string, unknown> = { ...(record as object) };
    for (const [key, plan] of nested) copy[key] = plan(copy[key]);
    return copy;
  };
}
