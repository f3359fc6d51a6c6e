/**
 * `JSON.parse` that keeps integers exact: an integer literal (digits only, no fraction, no
 * exponent) beyond `Number.MIN_SAFE_INTEGER..MAX_SAFE_INTEGER` comes back as a `bigint`
 * instead of a rounded number, as Python's `json` reads any integer as an `int`.
 */

/** An integer literal as JSON writes it: an optional minus and digits, nothing else. */
const INTEGER_LITERAL = /^-?\d+$/;

/**
 * A run of 16 digits that does not continue a fraction: every unsafe integer literal has
 * one (`MAX_SAFE_INTEGER` has 16 digits). No lookbehind, which older browsers cannot parse.
 */
const LONG_DIGIT_RUN = /(?:^|[^.\d])\d{16}/;

let sourceTextSupport: boolean | undefined;

/**
 * Reads JSON text as `JSON.parse` does, except that an integer literal JavaScript cannot
 * hold exactly comes back as a `bigint` with its exact value: `9223372036854775807` is
 * `9223372036854775807n`, at any depth, in arrays too. Everything else is what `JSON.parse`
 * returns: integers within the safe range, `-0` included, are numbers; a literal with a
 * fraction or an exponent is a number even when rounded (`12345678901234567890.5`) or
 * infinite (`1e400`); an object is an ordinary object whose `"__proto__"` key is data.
 *
 * Text without a run of 16 digits (outside a fraction) takes `JSON.parse` alone; otherwise
 * the runtime's source text access in a reviver (Node 21+, Chrome 114+, Bun, Deno) is used
 * where it exists, and an exact scanner where it does not. Any depth is read: neither
 * `JSON.parse` nor the scanner takes a call per level, and text nested deeper than a
 * reviver can recurse goes to the scanner, so no depth throws a `RangeError`.
 *
 * @param text - JSON text.
 * @returns The value it holds.
 * @throws `SyntaxError`, exactly as `JSON.parse` throws it, when the text is not JSON.
 * @example
 * parseExactJson('{"n": 9223372036854775807, "m": 2}'); // { n: 9223372036854775807n, m: 2 }
 */
export function parseExactJson(text: string): unknown {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
  return readsJsonSource() ? parseExactJsonBySource(text) : parseExactJsonByScanning(text);
}

/**
 * Whether this runtime passes a reviver the source text of each number
 * (`JSON.parse(text, (key, value, { source }) => ...)`). Found out on the first call.
 *
 * @returns `true` on Node 21+, Chrome 114+, Bun and Deno; `false` on Node 20.
 */
export function readsJsonSource(): boolean {
  if (sourceTextSupport === undefined) {
    let seen = false;
    JSON.parse("0", (_key: string, value: unknown, context?: { source?: unknown }) => {
      seen = typeof context?.source === "string";
      return value;
    });
    sourceTextSupport = seen;
  }
  return sourceTextSupport;
}

/**
 * {@link parseExactJson} through the runtime's source text access; for runtimes where
 * {@link readsJsonSource} is `true` (elsewhere unsafe integers stay rounded numbers). Text
 * nested deeper than the reviver can recurse (a few thousand levels) is read by
 * {@link parseExactJsonByScanning} instead.
 *
 * @param text - JSON text.
 * @returns The value it holds.
 * @throws `SyntaxError` when the text is not JSON.
 */
export function parseExactJsonBySource(text: string): unknown {
  try {
    return JSON.parse(text, keepExactInteger);
  } catch (error) {
    // The parse itself keeps no call per level; the reviver's walk does, and overflows the
    // call stack first. The text is JSON (a SyntaxError would have come first).
    if (error instanceof RangeError) return parseExactJsonByScanning(text);
    throw error;
  }
}

function keepExactInteger(
  _key: string,
  value: unknown,
  context?: { readonly source?: string },
): unknown {
  if (typeof value !== "number" || Number.isSafeInteger(value)) return value;
  const source = context?.source;
  return source !== undefined && INTEGER_LITERAL.test(source) ? BigInt(source) : value;
}

/** An array or object being filled, and for an object the key whose value comes next. */
interface Open {
  readonly container: unknown[] | Record<string, unknown>;
  key: string;
}

/**
 * {@link parseExactJson} by its own scanner, for runtimes without source text access. The
 * text is checked by `JSON.parse` first, so errors are the runtime's own and the scanner
 * reads only valid JSON. It keeps no call stack per level, so any depth `JSON.parse`
 * accepts is read.
 *
 * @param text - JSON text.
 * @returns The value it holds.
 * @throws `SyntaxError`, from `JSON.parse`, when the text is not JSON.
 */
export function parseExactJsonByScanning(text: string): unknown {
  JSON.parse(text);
  const open: Open[] = [];
  let at = 0;

  const skipSpace = (): void => {
    for (;;) {
      const code = text.charCodeAt(at);
      // JSON's whitespace: space, tab, line feed, carriage return.
      if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) at++;
      else return;
    }
  };
  const readString = (): string => {
    const start = at;
    let escaped = false;
    at++;
    for (;;) {
      const code = text.charCodeAt(at);
      if (code === 0x22) break;
      if (code === 0x5c) {
        escaped = true;
        at += 2;
      } else {
        at++;
      }
    }
    at++;
    // JSON.parse decodes escapes (lone surrogates included) exactly as the whole parse would.
    return escaped ? (JSON.parse(text.slice(start, at)) as string) : text.slice(start + 1, at - 1);
  };
  const readKey = (): string => {
    skipSpace();
    const key = readString();
    skipSpace();
    at++; // ":"
    return key;
  };
  const readNumber = (): number | bigint => {
    const start = at;
    for (;;) {
      const code = text.charCodeAt(at);
      // Digits, "+", "-", "." and "e"/"E": all a valid number literal can hold.
      if (
        (code >= 0x30 && code <= 0x39) ||
        code === 0x2d ||
        code === 0x2b ||
        code === 0x2e ||
        code === 0x65 ||
        code === 0x45
      ) {
        at++;
      } else {
        break;
      }
    }
    const literal = text.slice(start, at);
    const value = Number(literal);
    return Number.isSafeInteger(value) || !INTEGER_LITERAL.test(literal) ? value : BigInt(literal);
  };

  for (;;) {
    skipSpace();
    let value: unknown;
    const code = text.charCodeAt(at);
    if (code === 0x7b || code === 0x5b) {
      at++;
      skipSpace();
      const closing = code === 0x7b ? 0x7d : 0x5d;
      const container = code === 0x7b ? {} : [];
      if (text.charCodeAt(at) === closing) {
        at++;
        value = container;
      } else {
        open.push({ container, key: code === 0x7b ? readKey() : "" });
        continue;
      }
    } else if (code === 0x22) {
      value = readString();
    } else if (code === 0x74) {
      at += 4;
      value = true;
    } else if (code === 0x66) {
      at += 5;
      value = false;
    } else if (code === 0x6e) {
      at += 4;
      value = null;
    } else {
      value = readNumber();
    }

    // Hand the finished value to the containers it closes, innermost first.
    for (;;) {
      const top = open.at(-1);
      if (top === undefined) return value;
      if (Array.isArray(top.container)) {
        top.container.push(value);
      } else {
        // As JSON.parse: "__proto__" is a plain key, and a repeated key keeps its first
        // place and takes its last value.
        Object.defineProperty(top.container, top.key, {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
      skipSpace();
      if (text.charCodeAt(at) === 0x2c) {
        at++;
        if (!Array.isArray(top.container)) top.key = readKey();
        break;
      }
      at++; // "]" or "}"
      open.pop();
      value = top.container;
    }
  }
}

/**
 * `JSON.stringify` for data that may hold bigints, which it refuses: the same text, each
 * bigint written as its digits, so that {@link parseExactJson} reads back the same value.
 * Any depth is written: it takes no call per level.
 *
 * @param value - JSON data: plain objects, arrays, strings, finite numbers, booleans, null
 *   and bigints; object members whose value is `undefined` are left out, as
 *   `JSON.stringify` leaves them out.
 * @param indent - Spaces per level, as `JSON.stringify`'s third argument; none by default.
 * @returns The JSON text.
 * @example
 * stringifyExactJson({ id: 9223372036854775807n }); // '{"id":9223372036854775807}'
 */
export function stringifyExactJson(value: unknown, indent = 0): string {
  if (typeof value !== "object" || value === null) return writeScalar(value) as string;
  const unit = " ".repeat(indent);
  const colon = indent === 0 ? ":" : ": ";
  const open: Container[] = [];
  // The text of the member just finished, to hand to the container around it.
  let done = openOrWrite(value, "", "\n", open);
  if (done !== undefined) return done;
  for (;;) {
    const top = open.at(-1) as Container;
    if (done !== undefined) top.parts.push(done);
    if (top.next < top.members.length) {
      const [name, child] = top.members[top.next++] as (typeof top.members)[number];
      const label = name === undefined ? "" : `${JSON.stringify(name)}${colon}`;
      done = openOrWrite(child, label, unit === "" ? "" : `${top.newline}${unit}`, open);
      continue;
    }
    open.pop();
    const inner = unit === "" ? "" : `${top.newline}${unit}`;
    const [first, last] = top.brackets;
    done = `${top.label}${first}${inner}${top.parts.join(`,${inner}`)}${unit === "" ? "" : top.newline}${last}`;
    if (open.length === 0) return done;
  }
}

/** An array or object being written. */
interface Container {
  /** Its members: `[undefined, item]` for an array, `[name, value]` for an object. */
  readonly members: readonly (readonly [string | undefined, unknown])[];
  next: number;
  /** The text of each member written so far. */
  readonly parts: string[];
  /** What comes before it: `"name":` in an object, nothing in an array. */
  readonly label: string;
  /** The line break and indentation of its own line; its members are one unit further. */
  readonly newline: string;
  readonly brackets: "[]" | "{}";
}

/**
 * @returns The text of `value` (after `label`) when it is written at once: a scalar, or an
 *   empty array or object; `undefined` when it was opened on `open`, to write its members.
 */
function openOrWrite(
  value: unknown,
  label: string,
  newline: string,
  open: Container[],
): string | undefined {
  if (typeof value !== "object" || value === null) return `${label}${writeScalar(value) ?? "null"}`;
  const array = Array.isArray(value);
  const members = array
    ? // Array.from, not map(): map skips holes, which JSON writes as null.
      Array.from(value, (item) => [undefined, item] as const)
    : Object.entries(value).filter(([, member]) => !LEFT_OUT.has(typeof member));
  if (members.length === 0) return `${label}${array ? "[]" : "{}"}`;
  open.push({ members, next: 0, parts: [], label, newline, brackets: array ? "[]" : "{}" });
  return undefined;
}

/** The members `JSON.stringify` leaves out of an object (and writes as null in an array). */
const LEFT_OUT = new Set(["undefined", "function", "symbol"]);

/** A scalar as JSON, a bigint as its digits; `undefined` for what JSON leaves out. */
function writeScalar(value: unknown): string | undefined {
  return typeof value === "bigint" ? value.toString() : JSON.stringify(value);
}
