import { ContextSerializationError, ValidationError } from "../domain/errors.js";
import { formatMoney, isBigNumber, isWithinPlainRange } from "../domain/money.js";

/** The JSON-safe copy built before the one `JSON.stringify`. */
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Writes a negotiation's context as the JSON object stored in `context_json`.
 *
 * Money (`Big`, from any copy of big.js) becomes an exact decimal string in plain notation;
 * a value with a `toJSON` method (such as a `Date`) is replaced by what it returns. Anything
 * JSON would silently change or drop is refused instead: NaN, Infinity, `undefined`,
 * functions, symbols (as values or keys), bigint, Map, Set, WeakMap, WeakSet, an invalid
 * Date, cycles and class instances without `toJSON`. Also refused: a Big whose exponent is
 * beyond ±999999 (a million digits in plain notation), and a `toJSON` on the context itself
 * that returns anything but an object. A plain object that merely has a Big's fields
 * (`{"s": 1, "e": 0, "c": [5]}`) is data, kept as it is; -0 is written as 0, as JSON does.
 * The same object may appear more than once as long as it does not contain itself.
 *
 * @param context - A plain object.
 * @returns The JSON text.
 * @throws {@link ContextSerializationError} naming the key path of the first refused value,
 *   such as `context.offers[2].amount` or `context["first name"]`.
 * @example
 * serializeContext({ next_cpm: new Big("25.50"), sent_at: new Date(0) });
 * // '{"next_cpm":"25.5","sent_at":"1970-01-01T00:00:00.000Z"}'
 */
export function serializeContext(context: Record<string, unknown>): string {
  if (!isPlainObject(context)) {
    throw new ContextSerializationError(
      "context",
      `expected a plain object, got ${describe(context)}`,
    );
  }
  const value = toJsonValue(context, "", "context", new Set());
  // A toJSON on the context itself may return something else than an object; the column
  // holds a JSON object, and a row holding anything else could not be restored.
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ContextSerializationError(
      "context",
      `its toJSON() returned ${value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`}; the context must be written as a JSON object`,
    );
  }
  return JSON.stringify(value);
}

/**
 * Reads a negotiation's context from `context_json`. Decimals stay the strings they were
 * written as; nothing is converted back to `Big`.
 *
 * @param json - The stored JSON text.
 * @returns The context object.
 * @throws {@link ValidationError} with path `context_json` when the text is not JSON or is
 *   not a JSON object.
 */
export function deserializeContext(json: string): Record<string, unknown> {
  if (typeof json !== "string") {
    throw new ValidationError("context_json", `expected JSON text, got ${describe(json)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new ValidationError("context_json", `is not valid JSON (${detail})`, { cause });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ValidationError(
      "context_json",
      `expected a JSON object, got ${parsed === null ? "null" : Array.isArray(parsed) ? "an array" : `a ${typeof parsed}`}`,
    );
  }
  return parsed as Record<string, unknown>;
}

/**
 * @param key - What JSON.stringify would pass to `toJSON`: the property name or index.
 * @param ancestors - The objects being walked above this one, to tell a cycle from a
 *   shared reference.
 * @param afterToJson - Set for what a `toJSON` returned: JSON.stringify calls `toJSON` once.
 */
function toJsonValue(
  value: unknown,
  key: string,
  path: string,
  ancestors: Set<object>,
  afterToJson = false,
): JsonValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) {
        throw new ContextSerializationError(
          path,
          `${value} is not valid JSON (it would be written as null)`,
        );
      }
      return value;
    case "undefined":
      throw new ContextSerializationError(
        path,
        "undefined is not valid JSON (it would be dropped or written as null)",
      );
    case "function":
      throw new ContextSerializationError(path, "a function is not data");
    case "symbol":
      throw new ContextSerializationError(path, "a symbol is not valid JSON");
    case "bigint":
      throw new ContextSerializationError(
        path,
        "a bigint is not valid JSON; pass a decimal string or a Big",
      );
  }
  if (value === null) return null;
  const object = value as object;

  // Before toJSON: another copy of big.js may print an exponent. A plain object that only
  // has a Big's fields is data, and stays an object.
  if (isBigNumber(object)) {
    if (!isWithinPlainRange(object)) {
      throw new ContextSerializationError(
        path,
        `a Big whose exponent (${(object as unknown as { e: number }).e}) is beyond ±999999 would be written as a million digits or more`,
      );
    }
    return formatMoney(object);
  }
  if (ancestors.has(object)) throw new ContextSerializationError(path, "circular reference");
  if (object instanceof Date && Number.isNaN(object.getTime())) {
    throw new ContextSerializationError(path, "an invalid Date (it would be written as null)");
  }
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (!afterToJson && typeof toJSON === "function") {
    let replaced: unknown;
    try {
      replaced = toJSON.call(object, key);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ContextSerializationError(path, `its toJSON() threw: ${detail}`);
    }
    // Kept as an ancestor so a toJSON that wraps its own object is a cycle, not endless.
    if (replaced !== object) ancestors.add(object);
    try {
      return toJsonValue(replaced, key, path, ancestors, true);
    } finally {
      ancestors.delete(object);
    }
  }
  refuseCollections(object, path);

  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      const items: JsonValue[] = [];
      // An index loop, not map(): map skips holes, which JSON would write as null.
      for (let index = 0; index < object.length; index++) {
        items.push(toJsonValue(object[index], String(index), `${path}[${index}]`, ancestors));
      }
      return items;
    }
    if (!isPlainObject(object)) {
      throw new ContextSerializationError(
        path,
        `${describe(object)} has no toJSON method; JSON would keep only its own fields and lose its class`,
      );
    }
    const symbol = Object.getOwnPropertySymbols(object).find((candidate) =>
      Object.prototype.propertyIsEnumerable.call(object, candidate),
    );
    if (symbol !== undefined) {
      throw new ContextSerializationError(
        `${path}[${String(symbol)}]`,
        "a symbol key is not valid JSON (it would be dropped)",
      );
    }
    // A null prototype, so a "__proto__" key is copied as data rather than set as prototype.
    const copy: { [key: string]: JsonValue } = Object.create(null);
    for (const [name, child] of Object.entries(object)) {
      copy[name] = toJsonValue(child, name, childPath(path, name), ancestors);
    }
    return copy;
  } finally {
    ancestors.delete(object);
  }
}

function refuseCollections(object: object, path: string): void {
  if (object instanceof Map) {
    throw new ContextSerializationError(
      path,
      "a Map is not valid JSON (it would be written as {}); convert it with Object.fromEntries()",
    );
  }
  if (object instanceof Set) {
    throw new ContextSerializationError(
      path,
      "a Set is not valid JSON (it would be written as {}); convert it with Array.from()",
    );
  }
  if (object instanceof WeakMap || object instanceof WeakSet) {
    throw new ContextSerializationError(
      path,
      `a ${object instanceof WeakMap ? "WeakMap" : "WeakSet"} is not data`,
    );
  }
}

/** Also accepts objects from another realm (an iframe, a vm context): their prototype's prototype is null too. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

function childPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value !== "object") return `a value of type ${typeof value}`;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } }).constructor
    ?.name;
  return typeof name === "string" && name !== ""
    ? `an instance of class ${name}`
    : "an instance of an anonymous class";
}
