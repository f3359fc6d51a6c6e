import { describeValue } from "../errors/negotiation-error.js";
import { ValidationError } from "../errors/validation-error.js";

/** The on-disk timestamp form (DESIGN §4): UTC `YYYY-MM-DDTHH:MM:SSZ`, years 0000 to 9999. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** A valid `Date` in the stored form, to the second. */
function storedForm(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * UTC `YYYY-MM-DDTHH:MM:SSZ`, the timestamp form of the on-disk format: what a save writes.
 *
 * @param date - What the store's clock returned.
 * @returns The stored form, to the second.
 * @throws `ValidationError` at path `clock` for anything but a valid `Date` in the years 0000
 *   to 9999 (`toISOString` would throw for an invalid one, and write `+010000-...` or
 *   `-000001-...` beyond them, which the format does not hold).
 * @internal
 */
export function formatTimestamp(date: unknown): string {
  let time: number;
  try {
    time = Date.prototype.getTime.call(date);
  } catch {
    throw new ValidationError(
      "clock",
      `the store's clock returned ${describeValue(date)}, not a Date; nothing was written`,
    );
  }
  if (Number.isNaN(time)) {
    throw new ValidationError(
      "clock",
      "the store's clock returned an invalid Date; nothing was written",
    );
  }
  const utc = new Date(time);
  const year = utc.getUTCFullYear();
  if (year < 0 || year > 9999) {
    throw new ValidationError(
      "clock",
      `the store's clock returned ${utc.toISOString()}, in the year ${year}; a stored timestamp (YYYY-MM-DDTHH:MM:SSZ) holds the years 0000 to 9999; nothing was written`,
    );
  }
  return storedForm(utc);
}

/**
 * What keeps a stored value from being a timestamp {@link formatTimestamp} could have
 * written: it must be text in that form, and a real date and time (not `2026-02-30`).
 *
 * @param value - A `created_at` or `updated_at`, as stored.
 * @returns The problem, or `null` for a valid timestamp.
 * @internal
 */
export function timestampProblem(value: unknown): string | null {
  if (typeof value !== "string" || !TIMESTAMP.test(value)) {
    return `expected a UTC time as YYYY-MM-DDTHH:MM:SSZ, got ${describeValue(value)}`;
  }
  const time = Date.parse(value);
  if (Number.isNaN(time) || storedForm(new Date(time)) !== value) {
    return `${JSON.stringify(value)} is not a real date and time`;
  }
  return null;
}
