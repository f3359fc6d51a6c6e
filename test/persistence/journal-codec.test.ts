/**
 * encodeJournalEntries lays out a group write's records: usual ones through a reused buffer,
 * large ones through arrays of their own; both decode to what was encoded, in an array of
 * exactly their length.
 */
import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/persistence/crc32.js";
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

describe("records of the earlier format", () => {
  /** An "NSJ2" record, as the writers before "NSJ3" wrote it: a JSON payload, some values tagged. */
  function nsj2Record(sequence: number, groupOffset: number, statements: unknown): Uint8Array {
    const payload = new TextEncoder().encode(JSON.stringify(statements));
    const record = new Uint8Array(28 + payload.length);
    const view = new DataView(record.buffer);
    record.set(new TextEncoder().encode("NSJ2"), 0);
    view.setUint32(4, payload.length, true);
    view.setBigUint64(8, BigInt(sequence), true);
    view.setBigUint64(16, BigInt(groupOffset), true);
    record.set(payload, 28);
    view.setUint32(24, crc32(payload, crc32(record.subarray(4, 24))), true);
    return record;
  }

  it("are read, tagged values included, and new records after them continue the journal", () => {
    const old = nsj2Record(1, 0, [
      [
        "INSERT INTO t VALUES (?, ?, ?, ?)",
        ["é\ud800", 2.5, { $bigint: "-12" }, { $bytes: [0, 255] }],
      ],
    ]);
    const next = encodeJournalEntries([entry(2, "after the upgrade")]);
    const journal = new Uint8Array(old.length + next.length);
    journal.set(old);
    journal.set(next, old.length);
    const decoded = decodeJournal(journal, "j");
    expect(decoded.validBytes).toBe(journal.length);
    expect(decoded.entries).toEqual([
      {
        sequence: 1,
        statements: [
          {
            sql: "INSERT INTO t VALUES (?, ?, ?, ?)",
            params: ["é\ud800", 2.5, -12n, new Uint8Array([0, 255])],
          },
        ],
      },
      entry(2, "after the upgrade"),
    ]);
  });
});

describe("values", () => {
  it("come back exactly: lone surrogates, infinities, -0 and bytes", () => {
    const params = ["a\udc00b\ud800", Number.POSITIVE_INFINITY, -0, new Uint8Array([1, 2]), null];
    const [decoded] = decodeJournal(
      encodeJournalEntries([{ sequence: 1, statements: [{ sql: "?", params }] }]),
      "j",
    ).entries;
    const back = decoded?.statements[0]?.params ?? [];
    expect(back).toEqual(params);
    expect(Object.is(back[2], -0)).toBe(true);
  });
});
