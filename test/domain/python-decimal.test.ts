/**
 * The decimal operations the CPM tracker is built from, against python3's `decimal` in its
 * default context: operands of up to 60 digits at ordinary exponents and at the edges of
 * Python's range (where results overflow or go subnormal), exact ties, and operands far
 * apart (where one only nudges the rounding).
 */
import Big from "big.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { moneyConstructor } from "../../src/domain/money.js";
import {
  decimalAdd,
  decimalDivide,
  decimalMultiply,
  decimalSubtract,
} from "../../src/domain/python-decimal.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { checkProperty, timeoutFor } from "../properties/support.js";
import { type PythonCpmTracker, startPythonCpmTracker } from "../support/python-cpm-tracker.js";

let python: PythonCpmTracker;
beforeAll(() => {
  python = startPythonCpmTracker();
});
afterAll(() => python.close());

const OPERATIONS = {
  "+": decimalAdd,
  "-": decimalSubtract,
  "*": decimalMultiply,
  "/": decimalDivide,
} as const;
type Operation = keyof typeof OPERATIONS;

/** What the package gives: the value in exponent notation (every digit), or the error. */
function computed(op: Operation, a: string, b: string): { result: string } | { error: string } {
  const Money = moneyConstructor();
  try {
    return { result: OPERATIONS[op](new Money(a), new Money(b)).toExponential() };
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return { error: (error as ValidationError).path };
  }
}

/** Python's answer in the same terms: overflow at `amount`, a zero divisor at `divisor`. */
async function expected(op: Operation, a: string, b: string) {
  const answer = await python.operation(op, a, b);
  if ("result" in answer) return { result: new Big(answer.result).toExponential() };
  return { error: answer.error === "Overflow" ? "amount" : "divisor" };
}

const digits = (maxLength: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength });

const operand = fc
  .record({
    negative: fc.boolean(),
    coefficient: fc.oneof(
      digits(60),
      // Ties and near ties at the 28th digit: 1 followed by 27 digits, then 5, then zeros or not.
      fc
        .record({ head: digits(27), tail: fc.constantFrom("5", "50000", "49999", "50001") })
        .map(({ head, tail }) => `1${head}${tail}`),
      fc.constantFrom("0", "1", "5", "9999999999999999999999999999", "15"),
    ),
    exponent: fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: -60, max: 60 }) },
      { weight: 1, arbitrary: fc.integer({ min: -1_000_070, max: -999_950 }) },
      { weight: 1, arbitrary: fc.integer({ min: 999_900, max: 1_000_000 }) },
    ),
  })
  .map(({ negative, coefficient, exponent }) => `${negative ? "-" : ""}${coefficient}e${exponent}`);

describe("decimal operations in Python's default context", () => {
  it(
    "add, subtract, multiply and divide give Python's result, digit for digit, or fail where Python raises",
    async () => {
      await checkProperty(
        "python-decimal vs Python decimal",
        fc.asyncProperty(
          fc.constantFrom<Operation>("+", "-", "*", "/"),
          operand,
          operand,
          async (op, a, b) => {
            expect({ op, a, b, ...computed(op, a, b) }).toEqual({
              op,
              a,
              b,
              ...(await expected(op, a, b)),
            });
          },
        ),
        1000,
      );
    },
    timeoutFor(1000, 5),
  );

  it.each<[Operation, string, string, string]>([
    ["/", "3.58", "11", "0.3254545454545454545454545455"],
    ["+", "30", "0.3254545454545454545454545455", "30.32545454545454545454545455"],
    // An exact tie at the 29th digit goes to the even neighbour, up or down.
    ["+", "1234567890123456789012345678", "0.5", "1234567890123456789012345678"],
    ["+", "1234567890123456789012345677", "0.5", "1234567890123456789012345678"],
    // A tie only in the digits kept by a 40-place division, but not in the exact quotient.
    ["/", "2.000000000000000000000000001", "2", "1.000000000000000000000000000"],
    ["-", "1E+999999", "1E-999999", "1E+999999"],
    ["+", "0", "1.234567890123456789012345678901234567890", "1.234567890123456789012345679"],
    ["*", "1E-999999", "0.15", "1.5E-1000000"],
  ])("%s: %s and %s give %s", async (op, a, b, result) => {
    expect(computed(op, a, b)).toEqual({ result: new Big(result).toExponential() });
    expect(await expected(op, a, b)).toEqual({ result: new Big(result).toExponential() });
  });
});
