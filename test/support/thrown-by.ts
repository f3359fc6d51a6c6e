/**
 * What `run` throws, for tests that look at the error's fields.
 *
 * @throws When `run` returns instead.
 */
export function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (caught) {
    return caught;
  }
  throw new Error("expected it to throw");
}
