/**
 * encodeJournalEntries lays out a group write's records: usual ones through a reused buffer,
 * large ones through arrays of their own; both decode to what was encoded, in an array of
 * exactly their length.
 */
import { describe, expect, it } from "vitest";
import { decodeJournal, encodeJournalEntries } from "../../src/persistence/journal-codec.js";
import type { JournalEntry } from "../../src/persistence/persistence.js";

const entry = (sequence: number, text: string): JournalEntry => ({
  sequence,
  statements: [{ sql: "INSERT INTO t VALUES (?, ?, ?)", params: [text, sequence, 2n ** 70n] }],
});

describe("encodeJournalEntries", () => {
  it.each([
    ["usual records", [entry(1, "é".repeat(100)), entry(2, '"quoted"')]],
    [
      "a record of 2 MB among small ones",
      [entry(1, "a"), entry(2, "x".repeat(2 << 20)), entry(3, "b")],
    ],
  ])("%s decode to the entries, in an array of exactly their length", (_, entries) => {
    const records = encodeJournalEntries(entries);
    expect(records.byteLength).toBe(records.buffer.byteLength);
    const decoded = decodeJournal(records, "j");
    expect(decoded.validBytes).toBe(records.length);
    expect(decoded.entries).toEqual(entries);
  });

  it("gives each call arrays of its own, though the buffer it lays them out in is reused", () => {
    const first = encodeJournalEntries([entry(1, "first")]);
    const copy = first.slice();
    encodeJournalEntries([entry(2, "second, which would overwrite the first")]);
    expect(first).toEqual(copy);
  });
});
