import { timestampProblem } from "./timestamp.js";

/** The JSON columns whose texts rows share: the rows of one campaign store the same ones. */
type SharedColumn = "campaign_json" | "cpm_tracker_json";

/** One JSON text, and a way to copy what it was read as, or what reading it threw. */
type CachedRead = { readonly json: string; readonly column: SharedColumn } & (
  | { readonly copy: () => unknown }
  | { readonly error: unknown }
);

/**
 * What the rows read in one call share, so each is worked out once: the campaign and
 * tracker JSON texts with what each was read as (or what reading it threw), and the
 * timestamps found valid. Texts are kept by their length, so that finding one compares it
 * with the few of that length (a comparison stops at the first difference) rather than
 * hashing all of it.
 *
 * @internal
 */
export class RowReadCache {
  readonly #reads = new Map<number, CachedRead[]>();
  readonly #validTimes = new Set<unknown>();
  #texts = 0;

  /** How many texts and timestamps it holds: what a long-lived cache is bounded by. */
  get size(): number {
    return this.#texts + this.#validTimes.size;
  }

  /**
   * A copy of what a JSON column's text reads as: the text is read once per cache, and
   * every caller gets a copy of its own.
   *
   * @param json - The column's text.
   * @param column - The column.
   * @param read - Reads the text and returns a way to copy the result.
   * @returns A new copy.
   * @throws What `read` threw for this text, every time it is asked for.
   */
  copyOf<T>(json: string, column: SharedColumn, read: (json: string) => () => T): T {
    let sameLength = this.#reads.get(json.length);
    if (sameLength === undefined) {
      sameLength = [];
      this.#reads.set(json.length, sameLength);
    }
    let cached = sameLength.find((known) => known.json === json && known.column === column);
    if (cached === undefined) {
      try {
        cached = { json, column, copy: read(json) };
      } catch (error) {
        cached = { json, column, error };
      }
      sameLength.push(cached);
      this.#texts += 1;
    }
    if ("error" in cached) throw cached.error;
    return cached.copy() as T;
  }

  /**
   * What is wrong with a stored timestamp (see `timestampProblem`); a valid one is checked
   * once per cache.
   *
   * @param value - The column's value.
   * @returns The problem, or `null` when it is valid.
   */
  timestampProblem(value: unknown): string | null {
    if (this.#validTimes.has(value)) return null;
    const problem = timestampProblem(value);
    if (problem === null) this.#validTimes.add(value);
    return problem;
  }
}
