import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareNatural } from "../../src/cli/natural-order.js";
import { runs } from "../properties/support.js";

/** Python's sort with a natural key: digit runs as ints, other runs as text, then the text. */
function pythonNaturalSort(lists: readonly (readonly string[])[]): string[][] {
  const script = `
import json, re, sys
def key(text):
    parts = []
    for run in re.findall(r"[0-9]+|[^0-9]+", text):
        if run[0] in "0123456789":
            parts.append((1, int(run), ""))
        else:
            # Text before the digits in code order ('-' < '0') sorts before any number.
            parts.append((0 if run[0] < "0" else 2, 0, run))
    return (parts, text)
print(json.dumps([sorted(each, key=key) for each in json.load(sys.stdin)]))
`;
  return JSON.parse(
    execFileSync("python3", ["-c", script], { input: JSON.stringify(lists) }).toString(),
  );
}

describe("compareNatural", () => {
  it("orders numbers in ids as numbers: t-2 before t-10", () => {
    expect(["t-10", "t-2", "t-1", "t-100", "t-9"].sort(compareNatural)).toEqual([
      "t-1",
      "t-2",
      "t-9",
      "t-10",
      "t-100",
    ]);
    expect(["camp-2-b", "camp-10-a", "camp-2-a"].sort(compareNatural)).toEqual([
      "camp-2-a",
      "camp-2-b",
      "camp-10-a",
    ]);
  });

  it("compares numbers of any length exactly, and leading zeros only to break a tie", () => {
    expect(compareNatural("t-9007199254740993", "t-9007199254740992")).toBeGreaterThan(0);
    expect(compareNatural("t-100000000000000000000", "t-99999999999999999999")).toBeGreaterThan(0);
    expect(compareNatural("t-002", "t-10")).toBeLessThan(0);
    expect(compareNatural("t-02", "t-2")).not.toBe(0);
    expect(compareNatural("t-2", "t-2")).toBe(0);
  });

  it("sorts as Python sorts with a natural key (digit runs as int), on random ids", () => {
    const alphabet = fc.constantFrom(..."t-_ .0123456789aZ~");
    const id = fc.oneof(
      fc.string({ unit: alphabet, maxLength: 8 }),
      fc.bigInt({ min: 0n, max: 10n ** 30n }).map((n) => `t-${n}`),
    );
    const lists = fc.sample(fc.array(id, { maxLength: 12 }), runs(300));
    const expected = pythonNaturalSort(lists);
    lists.forEach((list, index) => {
      expect([...list].sort(compareNatural)).toEqual(expected[index]);
    });
  });
});
