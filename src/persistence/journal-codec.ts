import { CorruptDatabaseError } from "../domain/errors.js";
import { crc32 } from "./crc32.js";
import type { JournalEntry, StoredValue } from "./persistence.js";

/*
 * A journal is a run of records, each:
 *
 *   offset  size  field
 *   0       4     magic "NSJ1"
 *   4       4     payload length, little-endian
 *   8       8     sequence, little-endian (a safe integer)
 *   16      4     CRC-32 of bytes 4..16 and of the payload
 *   20      n     payload: UTF-8 JSON [[sql, [param, ...]], ...]
 *
 * Parameters that JSON cannot hold are tagged: {"$bigint": "12"}, {"$bytes": [1, 2]}.
 */

const MAGIC = 0x314a534e; // "NSJ1" read as a little-endian u32
const HEADER_BYTES = 20;
const MAX_PAYLOAD_BYTES = 1 << 30;

let encoder: TextEncoder | undefined;
let decoder: TextDecoder | undefined;

/**
 * Encodes entries as journal records, ready to append in one write.
 *
 * @param entries - The entries, in sequence order.
 * @returns Their records, back to back.
 */
export function encodeJournalEntries(entries: readonly JournalEntry[]): Uint8Array {
  encoder ??= new TextEncoder();
  const payloads = entries.map((entry) =>
    (encoder as TextEncoder).encode(
      JSON.stringify(entry.statements.map(({ sql, params }) => [sql, params.map(tagValue)])),
    ),
  );
  const bytes = new Uint8Array(
    payloads.reduce((sum, payload) => sum + HEADER_BYTES + payload.length, 0),
  );
  const view = new DataView(bytes.buffer);
  let offset = 0;
  entries.forEach((entry, index) => {
    const payload = payloads[index] as Uint8Array;
    view.setUint32(offset, MAGIC, true);
    view.setUint32(offset + 4, payload.length, true);
    view.setBigUint64(offset + 8, BigInt(entry.sequence), true);
    bytes.set(payload, offset + HEADER_BYTES);
    const checksum = crc32(payload, crc32(bytes.subarray(offset + 4, offset + 16)));
    view.setUint32(offset + 16, checksum, true);
    offset += HEADER_BYTES + payload.length;
  });
  return bytes;
}

/** What {@link decodeJournal} read. */
export interface DecodedJournal {
  /** The entries of every whole, valid record, in order. */
  readonly entries: JournalEntry[];
  /** How many leading bytes hold them; anything after is a torn last record. */
  readonly validBytes: number;
}

/**
 * Reads the records of a journal. A torn or corrupt last record is dropped: it was never
 * acknowledged. A bad record followed by a valid one is corruption, not a torn write.
 *
 * @param bytes - The journal's content.
 * @param location - The journal file or store, for messages.
 * @returns The entries and how many bytes hold them.
 * @throws {@link CorruptDatabaseError} naming `location` and the offset of a bad record in
 *   the middle, or of a record out of sequence.
 */
export function decodeJournal(bytes: Uint8Array, location: string): DecodedJournal {
  const entries: JournalEntry[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const record = readRecord(bytes, offset);
    if (record === null) {
      if (validRecordAfter(bytes, offset)) {
        throw new CorruptDatabaseError(
          location,
          `the journal record at offset ${offset} is damaged`,
        );
      }
      break;
    }
    const previous = entries.at(-1);
    if (previous && record.entry.sequence !== previous.sequence + 1) {
      throw new CorruptDatabaseError(
        location,
        `the journal record at offset ${offset} has sequence ${record.entry.sequence} after ${previous.sequence}`,
      );
    }
    entries.push(record.entry);
    offset = record.end;
  }
  return { entries, validBytes: offset };
}

function readRecord(
  bytes: Uint8Array,
  offset: number,
): { entry: JournalEntry; end: number } | null {
  if (bytes.length - offset < HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, HEADER_BYTES);
  if (view.getUint32(0, true) !== MAGIC) return null;
  const length = view.getUint32(4, true);
  const end = offset + HEADER_BYTES + length;
  if (length > MAX_PAYLOAD_BYTES || end > bytes.length) return null;
  const payload = bytes.subarray(offset + HEADER_BYTES, end);
  const checksum = crc32(payload, crc32(bytes.subarray(offset + 4, offset + 16)));
  if (checksum !== view.getUint32(16, true)) return null;
  const sequence = Number(view.getBigUint64(8, true));
  decoder ??= new TextDecoder();
  try {
    const statements = JSON.parse(decoder.decode(payload)) as [string, unknown[]][];
    return {
      entry: {
        sequence,
        statements: statements.map(([sql, params]) => ({ sql, params: params.map(untagValue) })),
      },
      end,
    };
  } catch {
    return null;
  }
}

/** Whether a valid record starts anywhere after `offset`. */
function validRecordAfter(bytes: Uint8Array, offset: number): boolean {
  for (let candidate = offset + 1; candidate + HEADER_BYTES <= bytes.length; candidate++) {
    // "N" of the magic first: a cheap filter before the full check.
    if (bytes[candidate] === 0x4e && readRecord(bytes, candidate) !== null) return true;
  }
  return false;
}

function tagValue(value: StoredValue): unknown {
  if (typeof value === "bigint") return { $bigint: value.toString() };
  if (value instanceof Uint8Array) return { $bytes: Array.from(value) };
  return value;
}

function untagValue(value: unknown): StoredValue {
  if (value !== null && typeof value === "object") {
    const tagged = value as { $bigint?: string; $bytes?: number[] };
    if (tagged.$bigint !== undefined) return BigInt(tagged.$bigint);
    if (tagged.$bytes !== undefined) return Uint8Array.from(tagged.$bytes);
  }
  return value as StoredValue;
}
