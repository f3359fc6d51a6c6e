/**
 * The ISO 8601 date and date-time check of a campaign's `created_at` (DESIGN §5).
 */

const ISO_DATE_TIME =
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})(?:[Tt ](?<hour>\d{2}):(?<minute>\d{2})(?::(?<second>\d{2})(?:[.,]\d+)?)?(?:[Zz]|[+-](?<offsetHour>\d{2}):?(?<offsetMinute>\d{2}))?)?$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether `value` is an ISO 8601 calendar date (`2026-01-15`) or date-time
 * (`2026-01-15T12:00:00Z`) that names a real moment.
 *
 * Accepted: a four-digit year (proleptic Gregorian, so 0000 and 2000 are leap years and
 * 1900 is not), then optionally a time after `T`, `t` or a space: `hh:mm`, `hh:mm:ss`, or
 * `hh:mm:ss` with a fraction after `.` or `,`; then optionally `Z`, `z` or an offset
 * `±hh:mm` or `±hhmm`. Refused: a day the month does not have (`2025-02-29`, `2026-04-31`),
 * a month outside 01-12, an hour past 23, a minute or second past 59 (no leap second, no
 * `24:00`), an offset hour past 23 or minute past 59, fields not written with two digits,
 * an hour without minutes, and every other form (week dates, ordinal dates, basic format).
 *
 * @param value - The text to check.
 * @returns `true` when it is such a date or date-time.
 * @example
 * isIsoDateTime("2024-02-29T23:59:59.999999-08:00"); // true
 * isIsoDateTime("2025-02-29"); // false: 2025 is not a leap year
 *
 * @internal
 */
export function isIsoDateTime(value: string): boolean {
  const parts = ISO_DATE_TIME.exec(value)?.groups;
  if (parts === undefined) return false;
  const part = (name: string) => Number(parts[name] ?? 0);
  const [year, month, day] = [part("year"), part("month"), part("day")];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return (
    day >= 1 &&
    day <= monthDays &&
    part("hour") <= 23 &&
    part("minute") <= 59 &&
    part("second") <= 59 &&
    part("offsetHour") <= 23 &&
    part("offsetMinute") <= 59
  );
}
