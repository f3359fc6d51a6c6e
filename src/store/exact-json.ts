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
 * where it exists, and an exact scanner where it does not.
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
 * {@link readsJsonSource} is `true` (elsewhere unsafe integers stay rounded numbers).
 *
 * @param text - JSON text.
 * @returns The value it holds.
 * @throws `SyntaxError` when the text is not JSON.
 */
export function parseExactJsonBySource(text: string): unknown {
  return JSON.parse(text, keepExactInteger);
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
  return writeValue(value, " ".repeat(indent), "\n");
}

function writeValue(value: unknown, indent: string, newline: string): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const inner = indent === "" ? "" : `${newline}${indent}`;
  const items = Array.isArray(value)
    ? value.map((item) => writeValue(item, indent, inner))
    : Object.entries(value)
        .filter(([, member]) => member !== undefined)
        .map(
          ([name, member]) =>
            `${JSON.stringify(name)}:${indent === "" ? "" : " "}${writeValue(member, indent, inner)}`,
        );
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (items.length === 0) return `${open}${close}`;
  return `${open}${inner}${items.join(`,${inner}`)}${indent === "" ? "" : newline}${close}`;
}
