import { valueBytesAtMost } from "../persistence/journal-payload.js";
import {
  EMPTY_PAYLOAD_BYTES,
  journalPayloadBytes,
  journalStatementBytes,
  MAX_JOURNAL_PAYLOAD_BYTES,
} from "../persistence/journal-payload-size.js";
import type { JournalStatement } from "../persistence/persistence.js";
import { RowTooLargeError } from "./errors.js";
import { statementForMessages } from "./sql-statements.js";
import type { SqlValue } from "./storage-adapter.js";

/** How many SQL texts {@link sqlBytes} remembers: the store runs a handful, again and again. */
const REMEMBERED_SQL = 64;

/** The size of each SQL text's statement without values, by text. */
const sqlByteCounts = /* @__PURE__ */ new Map<string, number>();

/** `journalStatementBytes({ sql, params: [] })`, measured once per text. */
function sqlBytes(sql: string): number {
  let bytes = sqlByteCounts.get(sql);
  if (bytes === undefined) {
    bytes = journalStatementBytes({ sql, params: [] });
    if (sqlByteCounts.size >= REMEMBERED_SQL) sqlByteCounts.clear();
    sqlByteCounts.set(sql, bytes);
  }
  return bytes;
}

/** At least `journalStatementBytes({ sql, params })`: the statement without values, exactly, and each value at its largest. */
function statementBytesAtMost(sql: string, params: readonly SqlValue[]): number {
  let bytes = sqlBytes(sql);
  for (const value of params) bytes += valueBytesAtMost(value);
  return bytes;
}

/**
 * The statements of the journal entry one call is building (a `run`, or every statement of
 * a `transaction`), with the size the entry's record will have: a statement that would make
 * the record larger than {@link MAX_JOURNAL_PAYLOAD_BYTES} is refused before it runs, since a
 * record too large to write would close the adapter after the database had changed.
 */
export class JournalEntryDraft {
  readonly #statements: JournalStatement[] = [];
  /**
   * The payload's bytes so far (the count of statements, then each statement), or a
   * bound above them while `#exact` is false: measuring a large
   * value exactly takes a scan of it, and only an entry near the limit needs it.
   */
  #payloadBytes = EMPTY_PAYLOAD_BYTES;
  #exact = true;
  readonly #location: string;

  /**
   * Starts an entry with no statements.
   *
   * @param location - The database, for the message of a refusal.
   */
  constructor(location: string) {
    this.#location = location;
  }

  /** The statements added so far, in order. */
  get statements(): readonly JournalStatement[] {
    return this.#statements;
  }

  /**
   * Runs a statement and adds it to the entry, if the entry can hold it.
   *
   * @typeParam T - What `apply` returns.
   * @param sql - The statement.
   * @param params - The values of its `?` placeholders; a copy is kept.
   * @param apply - Runs the statement on the database; when it throws, nothing is added.
   * @returns What `apply` returned.
   * @throws {@link RowTooLargeError} naming the statement's largest parameter, before `apply`
   *   runs, when the record would hold more than {@link MAX_JOURNAL_PAYLOAD_BYTES}; what
   *   `apply` threw.
   */
  add<T>(sql: string, params: readonly SqlValue[], apply: () => T): T {
    let bytes = this.#payloadBytes + statementBytesAtMost(sql, params);
    let exact = false;
    if (bytes > MAX_JOURNAL_PAYLOAD_BYTES) {
      // Near the limit: measured exactly, the statements before too (once: exact from then on).
      const before = this.#exact ? this.#payloadBytes : journalPayloadBytes(this.#statements);
      bytes = before + journalStatementBytes({ sql, params });
      exact = true;
      if (bytes > MAX_JOURNAL_PAYLOAD_BYTES) throw this.#tooLarge(sql, params, bytes);
    }
    const result = apply();
    this.#statements.push({ sql, params: [...params] });
    this.#payloadBytes = bytes;
    this.#exact = exact;
    return result;
  }

  /** Drops every statement: the transaction they belong to was rolled back. */
  clear(): void {
    this.#statements.length = 0;
    this.#payloadBytes = EMPTY_PAYLOAD_BYTES;
    this.#exact = true;
  }

  #tooLarge(sql: string, params: readonly SqlValue[], bytes: number): RowTooLargeError {
    // Named by length, not measured again: a second scan of a huge value would only confirm it.
    let largest = -1;
    let largestLength = 0;
    params.forEach((value, index) => {
      const length = typeof value === "string" || value instanceof Uint8Array ? value.length : 0;
      if (length > largestLength) [largest, largestLength] = [index, length];
    });
    const statement = `"${statementForMessages(sql)}"`;
    const before = this.#statements.length;
    return new RowTooLargeError(
      largest < 0 ? statement : `parameter ${largest + 1} of ${statement}`,
      before > 0
        ? `this statement, with the ${before} before it in its transaction,`
        : "this statement",
      bytes,
      MAX_JOURNAL_PAYLOAD_BYTES,
      this.#location,
    );
  }
}
