import { serializeCampaign } from "../domain/campaign.js";
import { isBigNumber } from "../domain/money.js";

/**
 * What each campaign object was last written as: a copy of the data it held then, and the
 * JSON that validating and serializing it gave. Keyed by the object, so it goes with it.
 */
const written = /* @__PURE__ */ new WeakMap<object, { copy: DataCopy; json: string }>();

/**
 * The `campaign_json` of a campaign, as `serializeCampaign` writes it, validated and
 * serialized only when the campaign is not the very object last written with the very same
 * content: an agent saves one campaign object with every negotiation of it, and validating
 * it costs most of a save. The content is compared, field by field in order, with a copy
 * taken when it was last written, which tells apart everything the validation could see
 * differently (`NaN` from `null`, `-0` from `0`, a missing field from an `undefined` one, a
 * `Big`'s digits and its constructor's exponent settings), so a changed campaign is always
 * validated again. Only plain data is remembered (plain objects, arrays, `Big`s, primitives
 * but bigints): a class instance could answer the validation through getters the copy
 * does not hold.
 *
 * @param campaign - The campaign `save` was given.
 * @returns Its JSON text.
 * @throws `CampaignValidationError` as `serializeCampaign` does.
 * @internal
 */
export function campaignJson(campaign: unknown): string {
  if (typeof campaign !== "object" || campaign === null) return serializeCampaign(campaign);
  const last = written.get(campaign);
  if (last !== undefined && isSameData(campaign, last.copy)) return last.json;
  const json = serializeCampaign(campaign);
  const copy = copyData(campaign);
  if (copy === NOT_PLAIN) written.delete(campaign);
  else written.set(campaign, { copy, json });
  return json;
}

/** A plain object's fields, in their order. */
class ObjectCopy {
  constructor(
    readonly prototype: object | null,
    readonly keys: readonly string[],
    readonly values: readonly DataCopy[],
  ) {}
}

/** A `Big`: its fields, and what its constructor's settings make of them in text. */
class BigCopy {
  constructor(
    readonly prototype: object,
    readonly s: number,
    readonly e: number,
    readonly c: readonly number[],
    readonly pe: unknown,
    readonly ne: unknown,
  ) {}
}

/** What a `Big` is read through: any value may come in its place. */
interface BigFields {
  readonly s: unknown;
  readonly e: unknown;
  readonly c: unknown;
  readonly constructor: { readonly PE: unknown; readonly NE: unknown };
}

type DataCopy = string | number | boolean | null | undefined | DataCopy[] | ObjectCopy | BigCopy;

const NOT_PLAIN = Symbol("not plain data");

function copyData(value: unknown): DataCopy | typeof NOT_PLAIN {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "undefined":
      return value;
    case "object": {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const items: DataCopy[] = [];
        for (const item of value) {
          const copy = copyData(item);
          if (copy === NOT_PLAIN) return NOT_PLAIN;
          items.push(copy);
        }
        return items;
      }
      const prototype = Object.getPrototypeOf(value) as object | null;
      if (isBigNumber(value)) {
        const { PE, NE } = (value as unknown as BigFields).constructor;
        return new BigCopy(prototype as object, value.s, value.e, [...value.c], PE, NE);
      }
      if (prototype !== Object.prototype && prototype !== null) return NOT_PLAIN;
      const keys = Object.keys(value);
      const values: DataCopy[] = [];
      for (const key of keys) {
        const copy = copyData((value as Record<string, unknown>)[key]);
        if (copy === NOT_PLAIN) return NOT_PLAIN;
        values.push(copy);
      }
      return new ObjectCopy(prototype, keys, values);
    }
    default:
      return NOT_PLAIN;
  }
}

function isSameData(value: unknown, copy: DataCopy): boolean {
  if (typeof value !== "object" || value === null) return Object.is(value, copy);
  if (Array.isArray(copy)) {
    if (!Array.isArray(value) || value.length !== copy.length) return false;
    for (let index = 0; index < copy.length; index++) {
      if (!isSameData(value[index], copy[index] as DataCopy)) return false;
    }
    return true;
  }
  if (copy instanceof ObjectCopy) {
    if (Array.isArray(value) || Object.getPrototypeOf(value) !== copy.prototype) return false;
    const keys = Object.keys(value);
    if (keys.length !== copy.keys.length) return false;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string;
      if (key !== copy.keys[index]) return false;
      if (!isSameData((value as Record<string, unknown>)[key], copy.values[index] as DataCopy)) {
        return false;
      }
    }
    return true;
  }
  if (copy instanceof BigCopy) {
    if (Object.getPrototypeOf(value) !== copy.prototype) return false;
    const big = value as BigFields;
    if (big.s !== copy.s || big.e !== copy.e || !Array.isArray(big.c)) return false;
    if (big.c.length !== copy.c.length || big.c.some((digit, index) => digit !== copy.c[index])) {
      return false;
    }
    return big.constructor.PE === copy.pe && big.constructor.NE === copy.ne;
  }
  return false;
}
