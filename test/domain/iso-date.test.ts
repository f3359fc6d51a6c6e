import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { isIsoDateTime } from "../../src/domain/iso-date.js";

/** Runs a Python 3 script (stdlib only) and reads the JSON it prints. */
function python<T>(script: string): T {
  return JSON.parse(execFileSync("python3", ["-c", script]).toString()) as T;
}

const pad = (value: number, digits: number) => String(value).padStart(digits, "0");

/** The whole numbers from `first` to `last`. */
function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, index) => first + index);
}

/** Checks that each value is accepted, naming every one that is not. */
function expectAccepted(values: readonly string[]): void {
  expect(judged(values)).toEqual(values.map((value) => [value, true]));
}

/** Checks that each value is refused, naming every one that is not. */
function expectRefused(values: readonly string[]): void {
  expect(judged(values)).toEqual(values.map((value) => [value, false]));
}

function judged(values: readonly string[]): [string, boolean][] {
  return values.map((value) => [value, isIsoDateTime(value)]);
}

describe("isIsoDateTime: the calendar, as Python's calendar module has it", () => {
  it("accepts February 29 in exactly the leap years Python's calendar.isleap names, years 0001-9999", () => {
    const leapYears = python<number[]>(
      "import calendar, json; print(json.dumps([y for y in range(1, 10000) if calendar.isleap(y)]))",
    );
    // 2499 - 99 + 24: checked, so that a script printing nothing cannot pass unnoticed.
    expect(leapYears).toHaveLength(2424);
    const accepted: number[] = [];
    for (let year = 1; year <= 9999; year++) {
      if (isIsoDateTime(`${pad(year, 4)}-02-29`)) accepted.push(year);
    }
    expect(accepted).toEqual(leapYears);
  });

  it("takes year 0000 as a leap year, as ISO 8601's proleptic calendar does (1 BC)", () => {
    expect(isIsoDateTime("0000-02-29")).toBe(true);
    expect(isIsoDateTime("0000-02-30")).toBe(false);
  });

  it("accepts exactly the days each month has, as calendar.monthrange says, in common, leap and century years", () => {
    const years = [1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999];
    const monthDays = python<Record<string, number[]>>(
      `import calendar, json; print(json.dumps({y: [calendar.monthrange(y, m)[1] for m in range(1, 13)] for y in ${JSON.stringify(years)}}))`,
    );
    for (const year of years) {
      const days = monthDays[String(year)];
      expect(days, `Python's month lengths of ${year}`).toHaveLength(12);
      for (let month = 1; month <= 12; month++) {
        const last = days?.[month - 1] ?? 0;
        for (let day = 0; day <= 32; day++) {
          const date = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
          expect(isIsoDateTime(date), date).toBe(day >= 1 && day <= last);
        }
      }
    }
  });

  it("refuses months 00 and 13 to 99", () => {
    expectRefused(["2026-00-10", ...range(13, 99).map((month) => `2026-${month}-10`)]);
    expectAccepted(["2026-01-01", "2026-12-31"]);
  });
});

/** Text that is no ISO 8601 date or date-time as `created_at` takes it, by reason. */
const REFUSED: Record<string, readonly string[]> = {
  "24:00, an hour past 23, minute 60 and a leap second": [
    "2026-01-15T24:00:00Z",
    "2026-01-15T24:00",
    "2026-01-15T99:00",
    "2026-01-15T12:60:00Z",
    "2026-01-15T12:60",
    "2016-12-31T23:59:60Z",
  ],
  "an hour alone, time fields without two digits or their colon, and an empty or misplaced fraction":
    [
      "2026-01-15T12",
      "2026-01-15T1200",
      "2026-01-15T12:00:0",
      "2026-01-15T1:00",
      "2026-01-15T12:5",
      "2026-01-15T12:00:00.",
      "2026-01-15T12:00.5",
    ],
  "a separator between date and time other than 'T', 't' or a space": [
    "2026-01-15_12:00",
    "2026-01-1512:00",
  ],
  "an offset hour past 23 or minute past 59, an hour-only offset, and a zone without a time": [
    "2026-01-15T12:00:00+24:00",
    "2026-01-15T12:00:00+25:00",
    "2026-01-15T12:00:00-05:60",
    "2026-01-15T12:00:00+05",
    "2026-01-15T12:00:00+5:30",
    "2026-01-15T12:00:00+05:3",
    "2026-01-15T12:00:00ZZ",
    "2026-01-15T12:00:00 Z",
    "2026-01-15Z",
    "2026-01-15+02:00",
  ],
  "ISO 8601's other forms (basic, week, ordinal, expanded years), other date orders and padding": [
    "20260115",
    "20260115T120000Z",
    "2026-W03-4",
    "2026-015",
    "2026-01",
    "+002026-01-15",
    "12026-01-15",
    "2026-1-15",
    "2026-01-5",
    "15/01/2026",
    "01/15/2026",
    " 2026-01-15",
    "2026-01-15 ",
    "2026-01-15\n",
    "",
    "yesterday",
  ],
  "digits of other scripts, which are digits to Unicode but not to ISO 8601": [
    "２０２６-01-15",
    "٢٠٢٦-01-15",
    "2026-01-15T１２:00",
  ],
};

describe("isIsoDateTime: times and time zones", () => {
  it("accepts every hour 00-23, and every minute and second 00-59", () => {
    expectAccepted(range(0, 23).map((hour) => `2026-01-15T${pad(hour, 2)}:00:00Z`));
    expectAccepted(range(0, 59).map((at) => `2026-01-15T12:${pad(at, 2)}:${pad(at, 2)}Z`));
  });

  it("accepts hh:mm, hh:mm:ss and a fraction of any length after '.' or ','", () => {
    expectAccepted([
      "2026-01-15T12:00",
      "2026-01-15T12:00:00",
      "2026-01-15T12:00:00.1",
      "2026-01-15T12:00:00,5",
      "2024-02-29T23:59:59.999999999",
    ]);
  });

  it("takes 'T', 't' or a space between date and time", () => {
    expectAccepted(["2026-01-15T12:00", "2026-01-15t12:00", "2026-01-15 12:00"]);
  });

  it("accepts Z, z and offsets ±hh:mm or ±hhmm up to 23:59 either way", () => {
    const zones = ["Z", "z", "+00:00", "-00:00", "+05:30", "+0530", "-08:00", "+14:00"];
    expectAccepted(zones.map((zone) => `2026-01-15T12:00:00${zone}`));
    expectAccepted(["2026-01-15T12:00+23:59", "2026-01-15T12:00-2359"]);
  });
});

describe("isIsoDateTime: refusals", () => {
  for (const [what, values] of Object.entries(REFUSED)) {
    it(`refuses ${what}`, () => expectRefused(values));
  }
});
