/** Python's float repr, as the CPM tracker's reason writes a rate, against python3's own. */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pythonFloatRepr } from "../../src/domain/python-float.js";
import { checkProperty } from "../properties/support.js";
import { type PythonCpmTracker, startPythonCpmTracker } from "../support/python-cpm-tracker.js";

let python: PythonCpmTracker;
beforeAll(() => {
  python = startPythonCpmTracker();
});
afterAll(() => python.close());

describe("pythonFloatRepr", () => {
  it("writes every double as Python's repr does", async () => {
    await checkProperty(
      "pythonFloatRepr vs Python repr",
      fc.asyncProperty(
        fc.oneof(
          fc.double(),
          fc.integer().map((n) => n / 1000),
          fc.integer({ min: -30, max: 30 }).map((power) => 10 ** power),
        ),
        async (value) => {
          expect(pythonFloatRepr(value)).toBe(await python.floatRepr(value));
        },
      ),
      1000,
    );
  });

  it.each<[number, string]>([
    [4.2, "4.2"],
    [3, "3.0"],
    [0.00001, "1e-05"],
    [0.0001, "0.0001"],
    [1e15, "1000000000000000.0"],
    [1e16, "1e+16"],
    [123456789012345680000, "1.2345678901234568e+20"],
    [1.5e-7, "1.5e-07"],
    [5e-324, "5e-324"],
    [-0, "-0.0"],
    [-2.5, "-2.5"],
    [Number.POSITIVE_INFINITY, "inf"],
    [Number.NEGATIVE_INFINITY, "-inf"],
    [Number.NaN, "nan"],
  ])("writes %s as %s", (value, text) => {
    expect(pythonFloatRepr(value)).toBe(text);
  });
});
