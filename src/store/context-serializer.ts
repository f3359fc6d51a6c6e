import { formatMoney, isBigNumber, isWithinPlainRange } from "../domain/money.js";
import { ValidationError } from "../errors/validation-error.js";
import { ContextSerializationError } from "./errors.js";
import { parseExactJson, stringifyExactJson } from "./exact-json.js";

/** The JSON-safe copy built before it is written: bigints stay bigints. */
type JsonValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** What one serialization keeps track of while it walks the context. */
interface Walk {
  /** The objects being walked above the current one, to tell a cycle from a shared reference. */
  readonly ancestors: Set<object>;
  /** Set once a bigint is met: then the copy needs {@link writeJson}, not `JSON.stringify`. */
  hasBigInt: boolean;
}

/** The longest integer Python's `json` reads or writes (`sys.get_int_max_str_digits()`). */
const PYTHON_MAX_INT_DIGITS = 4300;

/**
 * How deep a context may nest: the context object is level 1, and an array or object inside
 * a value at level n is at level n + 1 (strings, numbers and the other scalars add no
 * level; what a `toJSON` returns takes the level of the value it replaces). So
 * `{"offers": [{"amount": "25"}]}` is 3 levels deep.
 *
 * 1,000 is DESIGN §6's bound, where Python's `json` stops: it reads one level per step of
 * its recursion limit (1,000 by default), less the frames already on the stack, so a
 * Python 3.11 program calling `json.loads` at its top level reads about 995 levels, and
 * one level more needs `sys.setrecursionlimit`.
 */
export const MAX_CONTEXT_DEPTH = 1000;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Writes a negotiation's context as the JSON object stored in `context_json`.
 *
 * Money (`Big`, from any copy of big.js) becomes an exact decimal string in plain notation;
 * a `bigint` becomes the JSON integer it is, every digit kept (`9223372036854775807n` is
 * written `9223372036854775807`, as Python's `json.dumps` writes that int); a value with a
 * `toJSON` method (such as a `Date`) is replaced by what it returns. Anything JSON would
 * silently change or drop is refused instead: NaN, Infinity, `undefined`, functions,
 * symbols (as values or keys), Map, Set, WeakMap, WeakSet, an invalid Date, cycles and
 * class instances without `toJSON`. Also refused: a bigint of more than 4,300 digits
 * (Python's `json` reads no longer integers), a Big whose exponent is beyond ±999999 (a
 * million digits in plain notation), a `toJSON` on the context itself that returns
 * anything but an object, nesting deeper than {@link MAX_CONTEXT_DEPTH} (1,000) levels
 * (Python's `json` reads no deeper), and a context whose JSON text would be longer than a
 * JavaScript string can hold (536,870,888 characters in V8). A plain object that merely
 * has a Big's fields (`{"s": 1, "e": 0, "c": [5]}`) is data, kept as it is; -0 is written
 * as 0, as JSON does. The same object may appear more than once as long as it does not
 * contain itself. The text is compact (no spaces), as `JSON.stringify` writes it.
 *
 * @param context - A plain object.
 * @returns The JSON text.
 * @throws {@link ContextSerializationError} (code `CONTEXT_NOT_SERIALIZABLE`) naming the
 *   key path of the first refused value, such as `context.offers[2].amount` or
 *   `context["first name"]` (for nesting too deep: the first array or object at level
 *   1,001).
 * @example
 * serializeContext({ next_cpm: new Big("25.50"), sent_at: new Date(0), id: 2n ** 63n - 1n });
 * // '{"next_cpm":"25.5","sent_at":"1970-01-01T00:00:00.000Z","id":9223372036854775807}'
 */
export function serializeContext(context: Record<string, unknown>): string {
  if (!isPlainObject(context)) {
    throw new ContextSerializationError(
      "context",
      `expected a plain object, got ${describe(context)}`,
    );
  }
  const walk: Walk = { ancestors: new Set(), hasBigInt: false };
  try {
    const plain = plainCopy(context, 1, []);
    if (plain !== UNSURE) return JSON.stringify(plain);
    const value = toJsonValue(context, "", "context", walk, 1);
    // A toJSON on the context itself may return something else than an object; the column
    // holds a JSON object, and a row holding anything else could not be restored.
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ContextSerializationError(
        "context",
        `its toJSON() returned ${value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`}; the context must be written as a JSON object`,
      );
    }
    // The native writer whenever it can: a bigint is the rare case.
    return walk.hasBigInt ? stringifyExactJson(value) : JSON.stringify(value);
  } catch (error) {
    // "Invalid string length": the text would be longer than a string holds. (Or a call
    // stack already nearly full when save was called.)
    if (!(error instanceof RangeError)) throw error;
    throw new ContextSerializationError(
      "context",
      `its JSON text cannot be built (${error.message}); a context's text must fit in one JavaScript string, 536,870,888 characters in V8`,
    );
  }
}

/**
 * Reads a negotiation's context from `context_json`. Decimals stay the strings they were
 * written as; nothing is converted back to `Big`.
 *
 * An integer literal (no fraction, no exponent) that JavaScript cannot hold exactly,
 * outside `Number.MIN_SAFE_INTEGER..Number.MAX_SAFE_INTEGER`, comes back as a `bigint` with
 * the exact value of its digits, at any depth and in arrays too, whether Python wrote it
 * (its ints have any size) or it was saved from a `bigint` or from a number (written with
 * the digits `JSON.stringify` gives it: `2 ** 60` comes back as `1152921504606847000n`).
 * Every other value
 * is what `JSON.parse` gives: integers in the safe range (`-0` included) are numbers, and a
 * literal with a fraction or an exponent is a number even when that rounds it
 * (`12345678901234567890.5`) or overflows (`1e400` is Infinity, which
 * {@link serializeContext} then refuses). So `serializeContext(deserializeContext(json))`
 * writes every integer literal with the digits it was read with (`-0` as `0`, as JSON
 * writes it).
 *
 * @param json - The stored JSON text.
 * @returns The context object.
 * @throws {@link ValidationError} (code `INVALID_INPUT`) with path `context_json` when the
 *   text is not JSON, is not a JSON object, or nests deeper than {@link MAX_CONTEXT_DEPTH}
 *   levels (naming the key path of the first array or object beyond, as
 *   {@link serializeContext} would refuse it). Text of any depth is read without a call per
 *   level, so no depth throws a `RangeError`.
 */
export function deserializeContext(json: string): Record<string, unknown> {
  if (typeof json !== "string") {
    throw new ValidationError("context_json", `expected JSON text, got ${describe(json)}`);
  }
  let parsed: unknown;
  try {
    parsed = parseExactJson(json);
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
  // Each level opens with "{" or "[": text with no more of them cannot be too deep. Counted
  // natively (indexOf), so that an ordinary context costs next to nothing more.
  if (openingBrackets(json, MAX_CONTEXT_DEPTH + 1) > MAX_CONTEXT_DEPTH) {
    const tooDeep = firstBeyondDepth(parsed);
    if (tooDeep !== undefined) {
      throw new ValidationError(
        "context_json",
        `nests deeper than ${MAX_CONTEXT_DEPTH} levels (Python's json reads no deeper): ${tooDeep} is at level ${MAX_CONTEXT_DEPTH + 1}`,
      );
    }
  }
  return parsed as Record<string, unknown>;
}

/** How many "{" and "[" `text` holds (inside strings too), counting no further than `atMost`. */
function openingBrackets(text: string, atMost: number): number {
  let count = 0;
  for (const bracket of ["{", "["]) {
    for (
      let at = text.indexOf(bracket);
      at !== -1 && count < atMost;
      at = text.indexOf(bracket, at + 1)
    ) {
      count++;
    }
  }
  return count;
}

/** An array or object met while measuring depth, with how it was reached. */
interface Level {
  readonly value: object;
  readonly depth: number;
  readonly parent: Level | undefined;
  readonly key: string | number;
}

/**
 * The key path of the first array or object (in document order) at a level beyond
 * {@link MAX_CONTEXT_DEPTH} in parsed JSON, or `undefined`. Walks without a call per level.
 */
function firstBeyondDepth(root: object): string | undefined {
  const pending: Level[] = [{ value: root, depth: 1, parent: undefined, key: "" }];
  for (let level = pending.pop(); level !== undefined; level = pending.pop()) {
    if (level.depth > MAX_CONTEXT_DEPTH) return keyPathOf(level);
    const children: Level[] = [];
    for (const [key, child] of Object.entries(level.value)) {
      if (typeof child === "object" && child !== null) {
        const index = Array.isArray(level.value) ? Number(key) : key;
        children.push({ value: child, depth: level.depth + 1, parent: level, key: index });
      }
    }
    // Reversed, so that the first child is taken first.
    for (let index = children.length - 1; index >= 0; index--) {
      pending.push(children[index] as Level);
    }
  }
  return undefined;
}

function keyPathOf(level: Level): string {
  const keys: (string | number)[] = [];
  for (let at: Level | undefined = level; at?.parent !== undefined; at = at.parent) {
    keys.push(at.key);
  }
  let path = "context";
  for (let index = keys.length - 1; index >= 0; index--) {
    const key = keys[index] as string | number;
    path = typeof key === "number" ? `${path}[${key}]` : childPath(path, key);
  }
  return path;
}

/** What {@link plainCopy} gives for a value it leaves to {@link toJsonValue} to judge. */
const UNSURE: unique symbol = Symbol("unsure");

/** How deep {@link plainCopy} goes before it leaves the rest to {@link toJsonValue}. */
const PLAIN_COPY_DEPTH = 32;

/**
 * The copy {@link toJsonValue} would make of a context of plain data (strings, finite
 * numbers, booleans, null, Bigs, arrays and plain objects, not deeply nested), made without
 * the key paths only an error needs; {@link UNSURE} at anything else (a refusal, a bigint,
 * a `toJSON`, a cycle, a class instance), which the full walk then judges from the start.
 *
 * @param ancestors - The objects above this value.
 */
function plainCopy(value: unknown, depth: number, ancestors: object[]): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : UNSURE;
    case "object":
      break;
    default:
      return UNSURE;
  }
  if (value === null) return null;
  if (isBigNumber(value)) return isWithinPlainRange(value) ? formatMoney(value) : UNSURE;
  if (
    depth > PLAIN_COPY_DEPTH ||
    ancestors.includes(value) ||
    (value as { toJSON?: unknown }).toJSON !== undefined
  ) {
    return UNSURE;
  }
  ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      const items: unknown[] = new Array(value.length);
      for (let index = 0; index < value.length; index++) {
        const item = plainCopy(value[index], depth + 1, ancestors);
        if (item === UNSURE) return UNSURE;
        items[index] = item;
      }
      return items;
    }
    if (!isPlainObject(value) || Object.getOwnPropertySymbols(value).length > 0) return UNSURE;
    const copy: Record<string, unknown> = {};
    for (const name of Object.keys(value)) {
      const child = plainCopy(value[name], depth + 1, ancestors);
      if (child === UNSURE) return UNSURE;
      // Defined, not set: setting "__proto__" would set the prototype.
      if (name === "__proto__") {
        Object.defineProperty(copy, name, {
          value: child,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else {
        copy[name] = child;
      }
    }
    return copy;
  } finally {
    ancestors.pop();
  }
}

/**
 * @param key - What JSON.stringify would pass to `toJSON`: the property name or index.
 * @param walk - The ancestors of this value, and whether a bigint was met.
 * @param depth - The level this value is at, if it is an array or object (the context: 1).
 * @param afterToJson - Set for what a `toJSON` returned: JSON.stringify calls `toJSON` once.
 */
function toJsonValue(
  value: unknown,
  key: string,
  path: string,
  walk: Walk,
  depth: number,
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
    case "bigint": {
      const digits = (value < 0n ? -value : value).toString().length;
      if (digits > PYTHON_MAX_INT_DIGITS) {
        throw new ContextSerializationError(
          path,
          `a bigint of ${digits} digits is longer than Python's json reads (${PYTHON_MAX_INT_DIGITS} digits)`,
        );
      }
      walk.hasBigInt = true;
      return value;
    }
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
  if (walk.ancestors.has(object)) throw new ContextSerializationError(path, "circular reference");
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
    if (replaced !== object) walk.ancestors.add(object);
    try {
      return toJsonValue(replaced, key, path, walk, depth, true);
    } finally {
      walk.ancestors.delete(object);
    }
  }
  refuseCollections(object, path);
  if (depth > MAX_CONTEXT_DEPTH) {
    throw new ContextSerializationError(
      path,
      `is at level ${depth}: a context may nest at most ${MAX_CONTEXT_DEPTH} levels of arrays and objects (the context itself is level 1), as Python's json reads no deeper`,
    );
  }

  walk.ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      const items: JsonValue[] = [];
      // An index loop, not map(): map skips holes, which JSON would write as null.
      for (let index = 0; index < object.length; index++) {
        items.push(toJsonValue(object[index], String(index), `${path}[${index}]`, walk, depth + 1));
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
      copy[name] = toJsonValue(child, name, childPath(path, name), walk, depth + 1);
    }
    return copy;
  } finally {
    walk.ancestors.delete(object);
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
