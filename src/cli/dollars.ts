import type { Big } from "big.js";
import { formatCents, toMoney } from "../domain/money.js";

/**
 * An amount as the command line shows money, everywhere: a dollar sign and two decimals,
 * rounded half-even as the Python service's `.2f` does (`$34.50`, never `$34.5`;
 * `44.045` is `$44.04`).
 *
 * @param amount - A `Big`, or a decimal string such as `"34.5"`.
 * @returns The amount, such as `"$34.50"`.
 * @throws `ValidationError` when `amount` is a string that is not a decimal.
 */
export function dollars(amount: Big | string): string {
  return `$${formatCents(typeof amount === "string" ? toMoney(amount, "amount") : amount)}`;
}
