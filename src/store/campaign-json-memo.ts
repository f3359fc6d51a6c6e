import { serializeCampaign } from "../domain/campaign.js";
import { isBigNumber } from "../domain/money.js";

/**
 * What each campaign object was last written as: its fingerprint then, and the JSON that
 * validating and serializing it gave. Keyed by the object, so it goes with it.
 */
const written = /* @__PURE__ */ new WeakMap<object, { fingerprint: string; json: string }>();

/**
 * The `campaign_json` of a campaign, as `serializeCampaign` writes it, validated and
 * serialized only when the campaign is not the very object last written with the very same
 * content: an agent saves one campaign object with every negotiation of it, and validating
 * it costs most of a save. The content is compared through a fingerprint that tells apart
 * everything the validation could see differently (`NaN` from `null`, a `Big` from its
 * text, a missing field from an `undefined` one), so a changed campaign is always validated
 * again. Only plain data is remembered (plain objects, arrays, `Big`s): a class instance
 * could answer the validation through getters that the fingerprint does not read.
 *
 * @param campaign - The campaign `save` was given.
 * @returns Its JSON text.
 * @throws `CampaignValidationError` as `serializeCampaign` does.
 * @internal
 */
export function campaignJson(campaign: unknown): string {
  if (typeof campaign !== "object" || campaign === null) return serializeCampaign(campaign);
  let fingerprint: string;
  try {
    fingerprint = JSON.stringify(campaign, faithful);
  } catch {
    // Not plain data, a cycle, a throwing getter: validated each time, and the validation
    // says what is wrong.
    return serializeCampaign(campaign);
  }
  const last = written.get(campaign);
  if (last?.fingerprint === fingerprint) return last.json;
  const json = serializeCampaign(campaign);
  written.set(campaign, { fingerprint, json });
  return json;
}

/** A JSON replacer that leaves in sight what plain JSON would drop or blur. */
function faithful(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (!Object.is(raw, value)) return [isBigNumber(raw) ? "\0Big" : "\0toJSON", value];
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? value : ["\0number", String(value)];
    case "bigint":
      return ["\0bigint", String(value)];
    case "undefined":
    case "function":
    case "symbol":
      return [`\0${typeof value}`];
    case "object":
      if (value !== null && !Array.isArray(value)) {
        const prototype = Object.getPrototypeOf(value);
        if (prototype !== Object.prototype && prototype !== null)
          throw new TypeError("not plain data");
      }
      return value;
    default:
      return value;
  }
}
