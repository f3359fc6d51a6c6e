/**
 * A count and its noun, the noun in the plural unless the count is 1: `1 negotiation`,
 * `0 negotiations`, `2 negotiations`.
 *
 * @param count - How many.
 * @param noun - The noun in the singular; its plural adds `s`.
 * @returns The count and the noun.
 */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
