/**
 * Polls `ready` every `everyMs` until it holds; fails, saying `what` is not so, after `ms`.
 * It runs in Node and in the browser tests alike.
 */
export async function until(
  ready: () => Promise<boolean> | boolean,
  { ms = 10_000, everyMs = 20, what = "the condition" } = {},
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
