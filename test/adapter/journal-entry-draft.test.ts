import { describe, expect, it } from "vitest";
import { RowTooLargeError } from "../../src/adapter/errors.js";
import { JournalEntryDraft } from "../../src/adapter/journal-entry-draft.js";
import {
  journalPayloadBytes,
  MAX_JOURNAL_PAYLOAD_BYTES,
} from "../../src/persistence/journal-payload-size.js";
import { thrownBy } from "../support/thrown-by.js";

// A lone surrogate has no UTF-8: the journal writes it escaped, \ud800, six bytes for one.
const sixBytes = (bytes: number) => "\ud800".repeat(Math.ceil(bytes / 6));

/** What `run` throws (a test fails when it throws nothing). */

describe("JournalEntryDraft", () => {
  it("adds each statement once it has run, with a copy of its values", () => {
    const draft = new JournalEntryDraft("memory");
    const params = ["a", 1];
    expect(draft.add("INSERT INTO t VALUES (?, ?)", params, () => "ran")).toBe("ran");
    params[0] = "changed";
    draft.add("DELETE FROM t", [], () => undefined);
    expect(draft.statements).toEqual([
      { sql: "INSERT INTO t VALUES (?, ?)", params: ["a", 1] },
      { sql: "DELETE FROM t", params: [] },
    ]);
  });

  it("adds nothing when the statement fails", () => {
    const draft = new JournalEntryDraft("memory");
    expect(() =>
      draft.add("INSERT INTO t VALUES (?)", [1], () => {
        throw new Error("UNIQUE constraint failed");
      }),
    ).toThrow("UNIQUE constraint failed");
    expect(draft.statements).toEqual([]);
  });

  it("refuses a statement whose record would be too large before it runs, naming its largest value", () => {
    const draft = new JournalEntryDraft("n.db");
    let ran = false;
    const huge = sixBytes(MAX_JOURNAL_PAYLOAD_BYTES + 6);
    const error = thrownBy(() => {
      draft.add("INSERT INTO t VALUES (?, ?, ?)", ["small", huge, 3], () => {
        ran = true;
      });
    }) as RowTooLargeError;
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(RowTooLargeError);
    expect(error.path).toBe('parameter 2 of "INSERT INTO t VALUES (?, ?, ?)"');
    expect(error.bytes).toBe(
      journalPayloadBytes([{ sql: "INSERT INTO t VALUES (?, ?, ?)", params: ["small", huge, 3] }]),
    );
    expect(error.limit).toBe(MAX_JOURNAL_PAYLOAD_BYTES);
    expect(error.location).toBe("n.db");
    expect(draft.statements).toEqual([]);
  });

  it("counts the statements of one entry together, exactly as the journal writes them", () => {
    const draft = new JournalEntryDraft("n.db");
    const half = sixBytes(MAX_JOURNAL_PAYLOAD_BYTES / 2);
    draft.add("INSERT INTO t VALUES (?)", [half], () => undefined);
    const error = thrownBy(() => {
      draft.add("INSERT INTO t VALUES (?)", [half], () => undefined);
    }) as RowTooLargeError;
    expect(error).toBeInstanceOf(RowTooLargeError);
    expect(error.bytes).toBe(
      journalPayloadBytes([
        { sql: "INSERT INTO t VALUES (?)", params: [half] },
        { sql: "INSERT INTO t VALUES (?)", params: [half] },
      ]),
    );
    expect(error.message).toContain("this statement, with the 1 before it in its transaction,");
    expect(draft.statements).toHaveLength(1);
  });

  it("measures exactly what only a bound from lengths puts over the limit, and accepts it", () => {
    const draft = new JournalEntryDraft("n.db");
    // Plain ASCII: one byte a character, though a character may take up to six.
    const plain = "a".repeat(Math.ceil(MAX_JOURNAL_PAYLOAD_BYTES / 6) + 1);
    draft.add("INSERT INTO t VALUES (?)", [plain], () => undefined);
    draft.add("INSERT INTO t VALUES (?)", [plain], () => undefined);
    expect(draft.statements).toHaveLength(2);
    // Exact from then on: what the two leave is refused at its exact size.
    const rest = MAX_JOURNAL_PAYLOAD_BYTES - journalPayloadBytes(draft.statements);
    const error = thrownBy(() => {
      draft.add("INSERT INTO t VALUES (?)", ["b".repeat(rest)], () => undefined);
    }) as RowTooLargeError;
    expect(error).toBeInstanceOf(RowTooLargeError);
    expect(error.bytes).toBe(
      journalPayloadBytes([
        ...draft.statements,
        { sql: "INSERT INTO t VALUES (?)", params: ["b".repeat(rest)] },
      ]),
    );
    draft.add("INSERT INTO t VALUES (?)", ["b".repeat(rest - 40)], () => undefined);
    expect(draft.statements).toHaveLength(3);
  });

  it("counts from nothing again once cleared", () => {
    const draft = new JournalEntryDraft("n.db");
    const half = sixBytes(MAX_JOURNAL_PAYLOAD_BYTES / 2);
    draft.add("INSERT INTO t VALUES (?)", [half], () => undefined);
    draft.clear();
    expect(draft.statements).toEqual([]);
    draft.add("INSERT INTO t VALUES (?)", [half], () => undefined);
    expect(draft.statements).toHaveLength(1);
  });
});
