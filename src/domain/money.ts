import Big, { type BigConstructor } from "big.js";
import { describeValue } from "../errors/negotiation-error.js";
import { ValidationError } from "../errors/validation-error.js";

/** A money value as accepted on input: a `Big` (from any copy of big.js), a decimal string or a safe integer. */
export type MoneyInput = Big | string | number;

/** Decimal places kept by divisions; rounding happens only where text is shown. */
const DIVISION_PLACES = 40;

/**
 * Amounts are written in plain notation: an exponent of this size (either sign) would take
 * a million digits or more (a 12-character "1e1000000000" runs the process out of memory),
 * and is where big.js, as set up here, would print an exponent after all.
 */
const EXPONENT_LIMIT = 1e6;

let ownBig: BigConstructor | undefined;

/**
 * The package's own Big constructor, so a consumer changing `Big.DP` or `Big.RM` changes
 * nothing here. Created on first use: nothing runs at import time.
 *
 * @returns A big.js constructor private to this package.
 */
export function moneyConstructor(): BigConstructor {
  if (ownBig === undefined) {
    ownBig = Big();
    ownBig.DP = DIVISION_PLACES;
    ownBig.RM = Big.roundHalfUp;
    // toString and toJSON print plain notation, never an exponent.
    ownBig.NE = -EXPONENT_LIMIT;
    ownBig.PE = EXPONENT_LIMIT;
  }
  return ownBig;
}

/**
 * Tells whether a value is a big.js number, from this or any other copy of big.js.
 *
 * @param value - Anything.
 * @returns `true` when the value has big.js's shape (`s`, `e`, `c` digits).
 */
export function isBigLike(value: unknown): value is Big {
  if (value instanceof Big) return true;
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { s?: unknown; e?: unknown; c?: unknown };
  return (
    (candidate.s === 1 || candidate.s === -1) &&
    Number.isInteger(candidate.e) &&
    Array.isArray(candidate.c) &&
    candidate.c.length > 0 &&
    candidate.c.every((digit) => Number.isInteger(digit) && digit >= 0 && digit <= 9)
  );
}

/**
 * Tells whether a value is a big.js number object (from this or any other copy of big.js),
 * as opposed to plain data that merely has its fields, such as `{"s": 1, "e": 0, "c": [5]}`
 * read from JSON: in a context or an unknown campaign field, that is data to keep as it is.
 *
 * @internal
 */
export function isBigNumber(value: unknown): value is Big {
  if (!isBigLike(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype !== null && Object.getPrototypeOf(prototype) !== null;
}

const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Reads a money value exactly.
 *
 * @param value - A `Big`, a decimal string (plain or with an exponent, such as `"1E+3"`) or a safe integer.
 * @param path - Where the value came from, for the error message.
 * @returns The value as a `Big` of the package's own constructor.
 * @throws {@link ValidationError} (code `INVALID_INPUT`, at `path`) for a fractional
 *   number, NaN, Infinity, a non-decimal string or any other type, and for an amount whose
 *   exponent is beyond ±999,999 (its plain notation would run to a million digits).
 * @example
 * toMoney("25.50", "context.next_cpm").toFixed(2); // "25.50"
 * toMoney(25.5, "context.next_cpm"); // throws: pass a decimal string or a Big
 */
export function toMoney(value: unknown, path: string): Big {
  const Money = moneyConstructor();
  if (isBigLike(value)) return withinPlainRange(new Money(digitsOf(value)), path);
  if (typeof value === "string") {
    if (DECIMAL.test(value)) return withinPlainRange(new Money(value), path);
    throw new ValidationError(
      path,
      `expected a decimal string such as "25.50", got ${JSON.stringify(value)}`,
    );
  }
  if (typeof value === "number" && Number.isSafeInteger(value)) return new Money(value);
  throw new ValidationError(
    path,
    `expected money, got ${describeValue(value)}; pass a decimal string or a Big (a fractional or unsafe number is not exact)`,
  );
}

/**
 * Tells whether an amount can be written in plain notation: its exponent is within
 * ±999,999 (under a million digits).
 *
 * @internal
 */
export function isWithinPlainRange(money: Big): boolean {
  const { e } = money as unknown as { e: number };
  return e > -EXPONENT_LIMIT && e < EXPONENT_LIMIT;
}

function withinPlainRange(money: Big, path: string): Big {
  if (isWithinPlainRange(money)) return money;
  throw new ValidationError(
    path,
    `is out of range: its exponent is ${money.e}, and amounts are written in plain notation, so it must be within ±${EXPONENT_LIMIT - 1}`,
  );
}

/**
 * Reads a money value that may not be negative.
 *
 * @param value - As for {@link toMoney}.
 * @param path - Where the value came from, for the error message.
 * @returns The value as a `Big`.
 * @throws {@link ValidationError} as {@link toMoney} does, and for a negative amount.
 */
export function toNonNegativeMoney(value: unknown, path: string): Big {
  const money = toMoney(value, path);
  if (money.lt(0)) {
    throw new ValidationError(path, `must not be negative, got ${formatMoney(money)}`);
  }
  return money;
}

/**
 * Writes a money value as an exact decimal string in plain notation (never an exponent).
 *
 * @param money - A `Big` from any copy of big.js.
 * @returns The decimal string, such as `"25.5"` or `"0.0000001"`.
 */
export function formatMoney(money: Big): string {
  // toFixed() without places is exact, plain and independent of the constructor's settings,
  // and prints "-0" as "0"; a Big of another copy of big.js is rebuilt from its digits first.
  const own = money instanceof Big ? money : new (moneyConstructor())(digitsOf(money));
  return own.toFixed();
}

/** Rebuilds a Big's value from its digits, independent of the copy of big.js that made it. */
function digitsOf(value: Big): string {
  const { s, e, c } = value as unknown as { s: number; e: number; c: number[] };
  return `${s < 0 ? "-" : ""}0.${c.join("")}e${e + 1}`;
}

/**
 * Writes a money value to the cent, as the Python service formats a `Decimal` with `.2f`:
 * two decimals, rounded half-even (`44.045` is `"44.04"`, `44.055` is `"44.06"`).
 *
 * @param money - A `Big` from any copy of big.js.
 * @returns The amount with two decimals, such as `"25.50"`.
 */
export function formatCents(money: Big): string {
  const Money = moneyConstructor();
  return new Money(formatMoney(money)).toFixed(2, Money.roundHalfEven);
}
