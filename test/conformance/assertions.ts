/*
 * Assertions for the conformance suite, which runs under vitest, Deno's test runner and
 * in Chromium: it cannot lean on any one runner's `expect`.
 */

/** Fails unless `actual` and `expected` are the same JSON value (key order aside). */
export function assertEqual(actual: unknown, expected: unknown, what: string): void {
  const got = canonical(actual);
  const wanted = canonical(expected);
  if (got !== wanted) throw new Error(`${what}: expected ${wanted}, got ${got}`);
}

/** Fails unless `condition` holds. */
export function assertTrue(condition: boolean, what: string): void {
  if (!condition) throw new Error(`${what}: expected to hold, but did not`);
}

/**
 * Fails unless `promise` rejects with an error whose `code` is `code` and whose message
 * contains `messagePart`.
 */
export async function assertRejects(
  promise: Promise<unknown>,
  code: string,
  messagePart: string,
  what: string,
): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) throw new Error(`${what}: expected a rejection with ${code}`);
  const { code: actualCode, message } = error as { code?: unknown; message?: unknown };
  if (actualCode !== code || typeof message !== "string" || !message.includes(messagePart)) {
    throw new Error(
      `${what}: expected ${code} mentioning "${messagePart}", got ${String(actualCode)}: ${String(message)}`,
    );
  }
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
