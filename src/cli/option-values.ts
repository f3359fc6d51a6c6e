import { InvalidArgumentError } from "commander";

/**
 * Reads an option's value in milliseconds (`--wait <ms>`): a whole number, 0 or more.
 *
 * @param value - The value as given.
 * @returns The number of milliseconds.
 * @throws `InvalidArgumentError` (a usage error: exit status 2) for anything else.
 */
export function milliseconds(value: string): number {
  const wait = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(wait) || wait < 0) {
    throw new InvalidArgumentError("It must be a whole number of milliseconds.");
  }
  return wait;
}

/**
 * Reads an option's value that counts something (`--limit <n>`): a whole number, 1 or more,
 * in digits.
 *
 * @param value - The value as given.
 * @returns The number.
 * @throws `InvalidArgumentError` (a usage error: exit status 2) for anything else.
 */
export function positiveInteger(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(count) || count < 1) {
    throw new InvalidArgumentError("It must be a whole number, 1 or more.");
  }
  return count;
}
