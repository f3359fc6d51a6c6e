/** Runs of digits, and runs of anything else. */
const RUNS = /\d+|\D+/g;

/**
 * Compares two strings in natural order: runs of digits as the numbers they write (`t-2`
 * before `t-10`, of any length, exactly), other runs by UTF-16 code unit, as `sort()` does.
 * Strings that differ only in leading zeros (`t-02`, `t-2`) are then ordered by code unit,
 * so the order is total and the same on every machine (no locale).
 *
 * @param a - A string.
 * @param b - Another.
 * @returns Negative when `a` comes first, positive when `b` does, 0 when they are equal.
 * @example
 * ["t-10", "t-2", "t-1"].sort(compareNatural); // ["t-1", "t-2", "t-10"]
 */
export function compareNatural(a: string, b: string): number {
  const left = a.match(RUNS) ?? [];
  const right = b.match(RUNS) ?? [];
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const x = left[index] as string;
    const y = right[index] as string;
    const order = isDigits(x) && isDigits(y) ? compareNumerals(x, y) : compareCodeUnits(x, y);
    if (order !== 0) return order;
  }
  return left.length - right.length || compareCodeUnits(a, b);
}

function isDigits(run: string): boolean {
  const first = run.charCodeAt(0);
  return first >= 48 && first <= 57;
}

/** Two runs of digits by the numbers they write: no length limit, no rounding. */
function compareNumerals(x: string, y: string): number {
  const a = x.replace(/^0+(?=\d)/, "");
  const b = y.replace(/^0+(?=\d)/, "");
  return a.length - b.length || compareCodeUnits(a, b);
}

function compareCodeUnits(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
