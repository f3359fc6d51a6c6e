/**
 * Arithmetic on `Big` as Python's `decimal` module does it in its default context: the
 * operands are used exactly as they are, and each result is rounded to 28 significant
 * digits, half-even (below 1E-999999 to the subnormal floor 1E-1000026, as Python does).
 * A result above 9.999...E+999999 is an overflow, which Python's default context raises.
 *
 * Each function computes the exact result on BigInt coefficients (or, for a division, enough
 * digits plus a sticky digit for the remainder) and rounds once, so the result is the one
 * Python gives, digit for digit. Only values are promised: Python's trailing zeros and
 * exponents (`Decimal("30.00")`) are not kept, as `Big` keeps none.
 */
import type Big from "big.js";
import { ValidationError } from "../errors/validation-error.js";
import { moneyConstructor } from "./money.js";

/** Python's `decimal.DefaultContext`: prec, Emax and Emin. */
const PRECISION = 28;
const E_MAX = 999_999;
const E_MIN = -999_999;
/** The exponent of the smallest subnormal: results are never rounded below it. */
const E_TINY = E_MIN - PRECISION + 1;

/** `coefficient x 10^exponent`, exactly. */
interface Exact {
  readonly coefficient: bigint;
  readonly exponent: number;
}

/**
 * `a + b`, as Python's `Decimal.__add__` gives it in the default context.
 *
 * @param a - Any Big, used exactly (even with more than 28 digits).
 * @param b - Any Big, used exactly.
 * @returns The sum rounded to 28 significant digits, half-even.
 * @throws {@link ValidationError} when the result overflows Python's decimal range.
 * @example
 * decimalAdd(new Big("30"), new Big("0.3254545454545454545454545455")).toFixed();
 * // "30.32545454545454545454545455"
 */
export function decimalAdd(a: Big, b: Big): Big {
  return addExact(exactOf(a), exactOf(b));
}

/**
 * `a - b`, as Python's `Decimal.__sub__` gives it in the default context.
 *
 * @param a - Any Big, used exactly.
 * @param b - Any Big, used exactly.
 * @returns The difference rounded to 28 significant digits, half-even.
 * @throws {@link ValidationError} when the result overflows Python's decimal range.
 */
export function decimalSubtract(a: Big, b: Big): Big {
  const negated = exactOf(b);
  return addExact(exactOf(a), { coefficient: -negated.coefficient, exponent: negated.exponent });
}

/**
 * `a * b`, as Python's `Decimal.__mul__` gives it in the default context.
 *
 * @param a - Any Big, used exactly.
 * @param b - Any Big, used exactly.
 * @returns The product rounded to 28 significant digits, half-even.
 * @throws {@link ValidationError} when the result overflows Python's decimal range.
 */
export function decimalMultiply(a: Big, b: Big): Big {
  const x = exactOf(a);
  const y = exactOf(b);
  return rounded(x.coefficient * y.coefficient, x.exponent + y.exponent);
}

/**
 * `a / b`, as Python's `Decimal.__truediv__` gives it in the default context.
 *
 * @param a - Any Big, used exactly.
 * @param b - Any Big other than zero, used exactly.
 * @returns The quotient rounded to 28 significant digits, half-even (exact when it fits).
 * @throws {@link ValidationError} when `b` is zero (Python raises `DivisionByZero` or
 *   `InvalidOperation`), or when the result overflows Python's decimal range.
 * @example
 * decimalDivide(new Big("3.58"), new Big(11)).toFixed(); // "0.3254545454545454545454545455"
 */
export function decimalDivide(a: Big, b: Big): Big {
  const x = exactOf(a);
  const y = exactOf(b);
  if (y.coefficient === 0n) {
    throw new ValidationError("divisor", "is zero; a decimal cannot be divided by zero");
  }
  // Scaled so that the integer quotient has at least PRECISION + 2 digits: the rounding
  // position then lies above its last digit, and a sticky digit says whether anything
  // was left over, which is all that rounding half-even needs to know beyond them.
  const scale = Math.max(0, digitCount(y.coefficient) - digitCount(x.coefficient) + PRECISION + 2);
  const numerator = abs(x.coefficient) * 10n ** BigInt(scale);
  const divisor = abs(y.coefficient);
  const quotient = numerator / divisor;
  const sticky = numerator % divisor === 0n ? 0n : 1n;
  const negative = x.coefficient < 0n !== y.coefficient < 0n;
  const coefficient = quotient * 10n + sticky;
  return rounded(negative ? -coefficient : coefficient, x.exponent - y.exponent - scale - 1);
}

function addExact(x: Exact, y: Exact): Big {
  if (x.coefficient === 0n) return rounded(y.coefficient, y.exponent);
  if (y.coefficient === 0n) return rounded(x.coefficient, x.exponent);
  const [high, low] = x.exponent >= y.exponent ? [x, y] : [y, x];
  // An operand whose digits all lie well below the result's rounding position only nudges
  // the rounding: one digit stands in for it (as in Python's own _normalize), so that
  // 1E+999999 + 1E-999999 needs no integer of two million digits.
  const floor = high.exponent + Math.min(-1, digitCount(high.coefficient) - PRECISION - 2);
  const lowTop = low.exponent + digitCount(low.coefficient) - 1;
  const small: Exact =
    lowTop < floor ? { coefficient: low.coefficient < 0n ? -1n : 1n, exponent: floor } : low;
  const aligned = high.coefficient * 10n ** BigInt(high.exponent - small.exponent);
  return rounded(aligned + small.coefficient, small.exponent);
}

/** Rounds an exact result to the context: 28 significant digits, never below E_TINY. */
function rounded(coefficient: bigint, exponent: number): Big {
  let magnitude = abs(coefficient);
  let scale = exponent;
  const drop = Math.max(digitCount(magnitude) - PRECISION, E_TINY - scale);
  if (drop > digitCount(magnitude) + 1) {
    // Below half a unit of the last place kept (only a subnormal result goes this far).
    magnitude = 0n;
    scale += drop;
  } else if (drop > 0) {
    magnitude = roundHalfEven(magnitude, drop);
    scale += drop;
    // 99...9 rounded up to 10^28: one digit too many, and its last one is a zero.
    if (digitCount(magnitude) > PRECISION) {
      magnitude /= 10n;
      scale += 1;
    }
  }
  if (magnitude !== 0n && scale + digitCount(magnitude) - 1 > E_MAX) {
    throw new ValidationError(
      "amount",
      `overflows Python's decimal default context (an exponent above ${E_MAX}), where the Python service raises decimal.Overflow`,
    );
  }
  const Money = moneyConstructor();
  return new Money(`${coefficient < 0n && magnitude !== 0n ? "-" : ""}${magnitude}e${scale}`);
}

/** `magnitude / 10^drop`, rounded half-even. */
function roundHalfEven(magnitude: bigint, drop: number): bigint {
  const unit = 10n ** BigInt(drop);
  const quotient = magnitude / unit;
  const twiceRemainder = (magnitude % unit) * 2n;
  const up = twiceRemainder > unit || (twiceRemainder === unit && quotient % 2n === 1n);
  return up ? quotient + 1n : quotient;
}

function exactOf(value: Big): Exact {
  // A Big's digits, read directly: its own arithmetic and settings play no part.
  const { s, e, c } = value as unknown as { s: number; e: number; c: number[] };
  const digits = BigInt(c.join(""));
  return { coefficient: s < 0 ? -digits : digits, exponent: e - (c.length - 1) };
}

function digitCount(value: bigint): number {
  return abs(value).toString().length;
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}
