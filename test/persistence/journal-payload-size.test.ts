/**
 * journalPayloadBytes measures a journal record's payload without building it: it must give
 * exactly the payload length the codec writes, for every kind of value, and the limit must
 * be exactly the longest string V8 builds.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeJournalEntries } from "../../src/persistence/journal-codec.js";
import {
  journalPayloadBytes,
  journalStatementBytes,
  MAX_JOURNAL_PAYLOAD_BYTES,
} from "../../src/persistence/journal-payload-size.js";
import type { JournalStatement } from "../../src/persistence/persistence.js";
import { checkProperty } from "../properties/support.js";

/** The payload length the codec writes into the record header (bytes 4..8 in every format). */
function codecPayloadBytes(statements: readonly JournalStatement[]): number {
  const record = encodeJournalEntries([{ sequence: 1, statements }]);
  return new DataView(record.buffer, record.byteOffset).getUint32(4, true);
}

const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((code) => String.fromCharCode(code));

/** Text of every kind: any code point, lone surrogates, controls, quotes, backslashes. */
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.string({ unit: loneSurrogate, maxLength: 4 }),
  fc.string({
    unit: fc.constantFrom("\0", "\b", "\t", "\n", "\f", "\r", "\x1f", '"', "\\", "\x7f", "é"),
    maxLength: 8,
  }),
  fc.string({ maxLength: 20 }),
);

const value = fc.oneof(
  text,
  fc.double(),
  fc.integer(),
  fc.bigInt(),
  fc.uint8Array({ maxLength: 12 }),
  fc.constant(null),
);

const statement = fc.record({ sql: text, params: fc.array(value, { maxLength: 6 }) });

describe("journalPayloadBytes", () => {
  it("is exactly the payload length the codec writes, for any statements and values", async () => {
    await checkProperty(
      "journal payload size equals the codec's",
      fc.property(fc.array(statement, { maxLength: 4 }), (statements) => {
        expect(journalPayloadBytes(statements)).toBe(codecPayloadBytes(statements));
        for (const one of statements) {
          expect(journalStatementBytes(one)).toBe(codecPayloadBytes([one]) - 4);
        }
      }),
      1000,
    );
  });

  it("counts the store's real upsert of a row with every escape exactly", () => {
    const statements: JournalStatement[] = [
      {
        sql: "INSERT OR REPLACE INTO negotiation_state (thread_id) VALUES (?)",
        params: [
          'thread-"ü"-\u{1F338}-\ud800',
          '{"note":"line\\nbreak \\"quoted\\" \\u0001"}',
          3,
          -0,
          2n ** 64n,
          new Uint8Array([0, 9, 10, 99, 100, 255]),
          null,
        ],
      },
    ];
    expect(journalPayloadBytes(statements)).toBe(codecPayloadBytes(statements));
  });
});

describe("MAX_JOURNAL_PAYLOAD_BYTES", () => {
  it("is the longest string V8 builds: one character more is refused", () => {
    expect(MAX_JOURNAL_PAYLOAD_BYTES).toBe(536_870_888);
    expect(() => "x".repeat(MAX_JOURNAL_PAYLOAD_BYTES + 1)).toThrow(RangeError);
    expect("x".repeat(MAX_JOURNAL_PAYLOAD_BYTES)).toHaveLength(MAX_JOURNAL_PAYLOAD_BYTES);
  });
});
