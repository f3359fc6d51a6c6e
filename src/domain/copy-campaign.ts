/** The deep copy of a parsed campaign, for callers that hand out campaigns they keep. */
import type { Campaign } from "./campaign.js";
import { isBigNumber, toMoney } from "./money.js";

/**
 * A deep copy of a parsed campaign: nothing in it is shared with the original, money
 * included.
 *
 * @internal
 */
export function copyCampaign(campaign: Campaign): Campaign {
  return copyValue(campaign) as Campaign;
}

function copyValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (isBigNumber(value)) return toMoney(value, "");
  if (Array.isArray(value)) return value.map(copyValue);
  // fromEntries defines keys as data, so even a "__proto__" key stays a plain field.
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, copyValue(child)]));
}
