/**
 * What the property tests share: how many runs each property makes (scaled by `FC_RUNS`),
 * the one-line summary each prints, decimal strings with their exact expected value, and
 * a watch for exceptions that escape.
 *
 * `FC_RUNS=10x` (or `x10`) multiplies every property's runs; `FC_RUNS=500` runs every
 * property 500 times. `FC_SEED=<n>` replays a seed that fast-check printed.
 */
import fc from "fast-check";

const setting = process.env.FC_RUNS?.trim() ?? "";
const multiplier = /^(\d+(?:\.\d+)?)x$|^x(\d+(?:\.\d+)?)$/i.exec(setting);
const absolute = /^\d+$/.test(setting) ? Number(setting) : undefined;
const scale = multiplier ? Number(multiplier[1] ?? multiplier[2]) : 1;
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;

/** How many runs a property makes whose base count is `base`. */
export function runs(base: number): number {
  return Math.max(1, absolute ?? Math.round(base * scale));
}

/** A test timeout for a property of `base` runs that takes about `msPerRun` each. */
export function timeoutFor(base: number, msPerRun: number): number {
  return 10_000 + runs(base) * msPerRun * 3;
}

/**
 * Checks a property, throws fast-check's report (counterexample, seed, path) when it fails,
 * and prints `[properties] <name>: <n> inputs`.
 *
 * @returns How many inputs were tried.
 */
export async function checkProperty<Ts>(
  name: string,
  property: fc.IRawProperty<Ts>,
  base: number,
): Promise<number> {
  const details = await fc.check(property, {
    numRuns: runs(base),
    ...(seed !== undefined && { seed }),
  });
  if (details.failed) {
    throw new Error(fc.defaultReportMessage(details) ?? `${name} failed`, {
      cause: details.errorInstance,
    });
  }
  const skipped = details.numSkips > 0 ? ` (${details.numSkips} skipped)` : "";
  console.log(`[properties] ${name}: ${details.numRuns} inputs${skipped}`);
  return details.numRuns;
}

/** Exceptions and rejections nobody handled, seen while the watch was on. */
export interface UncaughtWatch {
  readonly seen: unknown[];
  stop(): void;
}

/** Records every `unhandledRejection` and `uncaughtException` of the process until `stop()`. */
export function watchUncaught(): UncaughtWatch {
  const seen: unknown[] = [];
  const record = (error: unknown) => {
    seen.push(error);
  };
  process.on("unhandledRejection", record);
  process.on("uncaughtException", record);
  return {
    seen,
    stop() {
      process.off("unhandledRejection", record);
      process.off("uncaughtException", record);
    },
  };
}

/** A decimal string as a caller may pass it, and what it must be written as. */
export interface DecimalCase {
  /** The input text: plain, `.5`, `5.`, leading zeros, or with an exponent (`1E+3`, `0e-7`). */
  readonly text: string;
  /** Its exact value in the package's written form: plain notation, no trailing zeros, `"0"` for zero. */
  readonly plain: string;
  /** Whether the value is below zero (`"-0"` is not). */
  readonly negative: boolean;
}

const digits = (maxLength: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength });

/**
 * Decimal strings of any size and scale: up to `intDigits` integer digits and `fracDigits`
 * fractional digits (leading and trailing zeros included), optionally signed, optionally
 * with an exponent of either case and sign.
 */
export function decimalCase(
  options: { intDigits?: number; fracDigits?: number; signed?: boolean; exponent?: boolean } = {},
): fc.Arbitrary<DecimalCase> {
  const { intDigits = 60, fracDigits = 60, signed = true, exponent = true } = options;
  return fc
    .record({
      minus: signed ? fc.boolean() : fc.constant(false),
      whole: digits(intDigits),
      fraction: digits(fracDigits),
      // "5." and ".5" are accepted; "." alone is not a number.
      point: fc.constantFrom("auto", "always", "never"),
      power: exponent
        ? fc.option(
            fc.record({
              letter: fc.constantFrom("e", "E"),
              sign: fc.constantFrom("", "+", "-"),
              value: fc.integer({ min: 0, max: 60 }),
              zeros: fc.constantFrom("", "0", "00"),
            }),
            { freq: 3 },
          )
        : fc.constant(null),
    })
    .filter(({ whole, fraction }) => whole.length + fraction.length > 0)
    .map(({ minus, whole, fraction, point, power }) => {
      const dot =
        point === "always" || (point === "auto" && fraction.length > 0) || whole.length === 0;
      const mantissa = dot ? `${whole}.${fraction}` : `${whole}${fraction}`;
      const wholeLength = dot ? whole.length : whole.length + fraction.length;
      const exponentValue = power ? (power.sign === "-" ? -power.value : power.value) : 0;
      const text = `${minus ? "-" : ""}${mantissa}${
        power ? `${power.letter}${power.sign}${power.zeros}${power.value}` : ""
      }`;
      const plain = plainOf(minus, whole + fraction, wholeLength + exponentValue);
      return { text, plain, negative: plain.startsWith("-") };
    });
}

/** Non-negative decimal strings (`"-0"` and `"-0.000E+5"` included: they are zero). */
export function nonNegativeDecimalCase(
  options: { intDigits?: number; fracDigits?: number } = {},
): fc.Arbitrary<DecimalCase> {
  return decimalCase(options).map((decimal) =>
    decimal.negative
      ? { text: decimal.text.slice(1), plain: decimal.plain.slice(1), negative: false }
      : decimal,
  );
}

/**
 * The written form of `±0.digits × 10^point`, computed on the digits themselves (no
 * big.js): the oracle the library is held to.
 */
function plainOf(minus: boolean, allDigits: string, point: number): string {
  let digitsText = allDigits;
  let position = point;
  if (position < 0) {
    digitsText = "0".repeat(-position) + digitsText;
    position = 0;
  }
  if (position > digitsText.length) digitsText += "0".repeat(position - digitsText.length);
  const whole = digitsText.slice(0, position).replace(/^0+/, "") || "0";
  const fraction = digitsText.slice(position).replace(/0+$/, "");
  const magnitude = fraction ? `${whole}.${fraction}` : whole;
  return minus && magnitude !== "0" ? `-${magnitude}` : magnitude;
}

/** Decimal places of a plain decimal string. */
export function decimalPlaces(plain: string): number {
  const point = plain.indexOf(".");
  return point < 0 ? 0 : plain.length - point - 1;
}

/**
 * Where two JSON-like values first differ, or `null` when they are the same: same types,
 * numbers equal by `Object.is`, arrays element by element, objects with the same own keys
 * in the same order and an ordinary prototype on both. (vitest's `toStrictEqual` compares
 * the `constructor` property, which is just another key in this data.)
 */
export function jsonDifference(actual: unknown, expected: unknown, path = "$"): string | null {
  if (typeof actual !== typeof expected) return `${path}: ${typeof actual} vs ${typeof expected}`;
  if (typeof expected !== "object" || expected === null || actual === null) {
    return Object.is(actual, expected) ? null : `${path}: ${String(actual)} vs ${String(expected)}`;
  }
  if (Array.isArray(expected) !== Array.isArray(actual)) return `${path}: array vs object`;
  if (Array.isArray(expected)) {
    const list = actual as unknown[];
    if (list.length !== expected.length)
      return `${path}: length ${list.length} vs ${expected.length}`;
    for (let index = 0; index < expected.length; index++) {
      const difference = jsonDifference(list[index], expected[index], `${path}[${index}]`);
      if (difference) return difference;
    }
    return null;
  }
  const actualKeys = Object.keys(actual as object);
  const expectedKeys = Object.keys(expected);
  if (actualKeys.join("\u0001") !== expectedKeys.join("\u0001")) {
    return `${path}: keys ${JSON.stringify(actualKeys)} vs ${JSON.stringify(expectedKeys)}`;
  }
  for (const key of expectedKeys) {
    const difference = jsonDifference(
      Object.getOwnPropertyDescriptor(actual as object, key)?.value,
      Object.getOwnPropertyDescriptor(expected, key)?.value,
      `${path}[${JSON.stringify(key)}]`,
    );
    if (difference) return difference;
  }
  return null;
}
