/** How messages name thrown and received values. */

/**
 * The message of any thrown value.
 *
 * @internal
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The `code` of a thrown value, such as Node's `"ENOENT"`, when it has one.
 *
 * @internal
 */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * A received value as error messages name it: `nothing`, `null`, `true`, `"text"`,
 * `the number 1.5`, `the bigint 7n`, `a list`, `a value of type object`.
 *
 * @internal
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "bigint") return `the bigint ${value}n`;
  if (Array.isArray(value)) return "a list";
  return `a value of type ${typeof value}`;
}
