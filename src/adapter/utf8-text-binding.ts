import { isWellFormedText } from "../persistence/journal-payload.js";
import { rewritePlaceholders } from "./placeholders.js";
import type { SqlValue } from "./storage-adapter.js";

/** Shorter text is bound as it is: sql.js encodes it about as fast as the bytes are copied. */
const MIN_TEXT_LENGTH = 64;

/** The scratch buffer's size: a few rows of the usual size. */
const SCRATCH_BYTES = 1 << 16;

/** How many statements' variants are remembered; the store runs about ten. */
const MAX_STATEMENTS = 256;

/** A statement whose placeholders cannot be told apart by position keeps its text parameters. */
const NUMBERED_PLACEHOLDER = /\?\d/;

/**
 * Binds long text parameters as their UTF-8 bytes, each placeholder of them written
 * `CAST(? AS TEXT)` in the statement that is prepared. SQLite then stores exactly the text
 * it would have stored, but the text is encoded by the runtime's `TextEncoder` and copied
 * into the engine in one piece, where sql.js encodes a string one character at a time in
 * JavaScript: that was 40% of a save's work in the process. Only for a database whose
 * encoding is UTF-8 (the cast reads the bytes in the database's encoding), and only for
 * well-formed text (a lone surrogate has no UTF-8 form, and sql.js keeps its own).
 *
 * @internal
 */
export class Utf8TextBinding {
  /** The statement to prepare, by statement and by which parameters are bound as bytes. */
  readonly #variants = new Map<string, Map<number, string>>();
  readonly #encoder = new TextEncoder();
  /** Where the bytes of usual rows are encoded, without an allocation per value. */
  readonly #scratch = new Uint8Array(SCRATCH_BYTES);

  /**
   * What to prepare and bind for one run of a statement.
   *
   * @param sql - The statement, with `?` placeholders.
   * @param params - Their values, in order.
   * @returns The statement to prepare and the values to bind: `sql` and `params` themselves
   *   when no parameter is long text, or when the statement's placeholders are not plain `?`s.
   *   The bytes may share a buffer that the next call writes over: bind them at once.
   */
  bind(
    sql: string,
    params: readonly SqlValue[],
  ): { readonly sql: string; readonly params: readonly SqlValue[] } {
    let asBytes = 0;
    for (let index = 0; index < params.length && index < 31; index++) {
      const value = params[index];
      if (typeof value === "string" && value.length >= MIN_TEXT_LENGTH && isWellFormedText(value)) {
        asBytes |= 1 << index;
      }
    }
    if (asBytes === 0) return { sql, params };
    const variant = this.#variant(sql, params.length, asBytes);
    if (variant === sql) return { sql, params };
    const bound = params.slice();
    let used = 0;
    for (let index = 0; index < bound.length; index++) {
      if (asBytes & (1 << index)) {
        const text = bound[index] as string;
        // 3 bytes per UTF-16 unit at most; longer text gets bytes of its own.
        if (used + text.length * 3 > this.#scratch.length) {
          bound[index] = this.#encoder.encode(text);
        } else {
          const { written } = this.#encoder.encodeInto(text, this.#scratch.subarray(used));
          bound[index] = this.#scratch.subarray(used, used + written);
          used += written;
        }
      }
    }
    return { sql: variant, params: bound };
  }

  #variant(sql: string, count: number, asBytes: number): string {
    let variants = this.#variants.get(sql);
    if (variants === undefined) {
      // SQL built per call would otherwise be remembered without end.
      if (this.#variants.size >= MAX_STATEMENTS) this.#variants.clear();
      variants = new Map();
      this.#variants.set(sql, variants);
    }
    let variant = variants.get(asBytes);
    if (variant === undefined) {
      let placeholders = 0;
      variant = rewritePlaceholders(sql, (index) => {
        placeholders++;
        return asBytes & (1 << index) ? "CAST(? AS TEXT)" : "?";
      });
      if (placeholders !== count || NUMBERED_PLACEHOLDER.test(sql)) variant = sql;
      variants.set(asBytes, variant);
    }
    return variant;
  }
}
