import { crc32 } from "./crc32.js";
import { CorruptDatabaseError } from "./errors.js";
import { payloadBytesAtMost, readPayload, writePayload } from "./journal-payload.js";
import { journalPayloadBytes } from "./journal-payload-size.js";
import type { JournalEntry, JournalStatement, StoredValue } from "./persistence.js";

/*
 * A journal is a run of records, each:
 *
 *   offset  size  field
 *   0       4     magic "NSJ3"
 *   4       4     payload length, little-endian
 *   8       8     sequence, little-endian (a safe integer)
 *   16      8     how many bytes before this record its group write began, little-endian:
 *                 0 for the first record of a write
 *   24      4     CRC-32 of bytes 4..24 and of the payload
 *   28      n     payload: the entry's statements (see journal-payload.ts)
 *
 * A group write is the records appended together, in one write and one data sync, before
 * any of them is acknowledged; the next one is written only after that sync. So a damaged
 * record followed only by records of its own group write can only be a power loss during
 * the last write (some of its pages reached the disk, an earlier one did not): nothing in
 * it was acknowledged, and the journal is cut there. A record of a later group write after
 * the damage proves the damaged one was synced (and acknowledged): that is refused.
 *
 * Records of the earlier formats are still read. "NSJ2" is laid out as "NSJ3", but its
 * payload is UTF-8 JSON, [[sql, [param, ...]], ...], with the parameters JSON cannot hold
 * tagged: {"$bigint": "12"}, {"$bytes": [1, 2]}. "NSJ1" has the same payload and no group
 * field (0 magic, 4 length, 8 sequence, 16 CRC-32 of bytes 4..16 and the payload, 20
 * payload); each of its records counts as a group write of its own, so damage before one
 * of them is refused, as it always was.
 */

const MAGIC = 0x334a534e; // "NSJ3" read as a little-endian u32
const HEADER_BYTES = 28;
const MAGIC_V2 = 0x324a534e; // "NSJ2"
const MAGIC_V1 = 0x314a534e; // "NSJ1"
const HEADER_BYTES_V1 = 20;
const MAX_PAYLOAD_BYTES = 1 << 30;

let decoder: TextDecoder | undefined;
/** Where records are laid out before they are copied out: reused up to this size. */
let scratch = new Uint8Array(0);
const SCRATCH_BYTES_KEPT = 1 << 20;

/**
 * Encodes entries as the records of one group write, ready to append in one write (each
 * record says where the write began, so that a power loss during it is told from damage).
 *
 * @param entries - The entries, in sequence order.
 * @returns Their records, back to back, in an array of exactly their length (IndexedDB
 *   stores a view's whole buffer).
 */
export function encodeJournalEntries(entries: readonly JournalEntry[]): Uint8Array {
  const most = entries.reduce(
    (sum, entry) => sum + HEADER_BYTES + payloadBytesAtMost(entry.statements),
    0,
  );
  // Usual records are laid out in one reused buffer and copied out once; large ones, in an
  // array measured exactly, rather than one of the most they could take (up to 6 times).
  let into: Uint8Array;
  if (most <= SCRATCH_BYTES_KEPT) {
    if (scratch.length < most) scratch = new Uint8Array(Math.max(most, 2 * scratch.length));
    into = scratch;
  } else {
    const exact = entries.reduce(
      (sum, entry) => sum + HEADER_BYTES + journalPayloadBytes(entry.statements),
      0,
    );
    into = new Uint8Array(exact);
  }
  let offset = 0;
  for (const entry of entries) {
    const end = writePayload(entry.statements, into, offset + HEADER_BYTES);
    offset = sealRecord(into, offset, entry, end - offset - HEADER_BYTES);
  }
  return into === scratch ? scratch.slice(0, offset) : into;
}

/**
 * Writes the header of the record at `offset`, whose payload is already in place after it.
 *
 * @returns Where the next record begins.
 */
function sealRecord(bytes: Uint8Array, offset: number, entry: JournalEntry, length: number) {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, HEADER_BYTES);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, length, true);
  view.setBigUint64(8, BigInt(entry.sequence), true);
  view.setBigUint64(16, BigInt(offset), true);
  const payload = bytes.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
  view.setUint32(24, crc32(payload, crc32(bytes.subarray(offset + 4, offset + 24))), true);
  return offset + HEADER_BYTES + length;
}

/** What {@link decodeJournal} read. */
export interface DecodedJournal {
  /** The entries of every whole, valid record before the cut, in order. */
  readonly entries: JournalEntry[];
  /**
   * How many leading bytes hold them: where to cut the journal. Anything after is zeros
   * written ahead, a torn last record, or the rest of a last group write torn by a power
   * loss; none of it was acknowledged.
   */
  readonly validBytes: number;
}

/** A whole, valid record found where the journal is cut, or after. */
export interface JournalRecordFound {
  readonly sequence: number;
  /** Where it begins and ends in the journal. */
  readonly offset: number;
  readonly end: number;
}

/** What {@link readJournal} found: the records to keep, and what follows them. */
export interface JournalReading extends DecodedJournal {
  /**
   * What follows the records kept:
   * - `none`: nothing, or only zeros (written ahead of the records);
   * - `torn`: what a crash during the last group write leaves (a record cut short, or
   *   pages of the write missing or garbled, with only records of that same write after
   *   them); it was never acknowledged, and opening cuts it off;
   * - `damaged`: damage that opening refuses (a record of a later group write follows it,
   *   or a record is out of sequence); `damage` says what and where.
   */
  readonly after: "none" | "torn" | "damaged";
  /** For `damaged`: what is wrong, naming the offset (`validBytes`). `null` otherwise. */
  readonly damage: string | null;
  /**
   * The whole, valid records after the cut (from `validBytes`, zeros written ahead left
   * out): those of the torn write, or those after the damage. Cutting drops them.
   */
  readonly dropped: readonly JournalRecordFound[];
  /** Where the journal's bytes end, the zeros written ahead of its records left out. */
  readonly usedBytes: number;
}

/**
 * Reads the records of a journal, and tells what follows the ones to keep: nothing, a
 * torn last group write (never acknowledged), or damage. Never throws.
 *
 * @param bytes - The journal's content.
 * @returns The entries to keep, where to cut, and what the cut drops.
 */
export function readJournal(bytes: Uint8Array): JournalReading {
  const entries: JournalEntry[] = [];
  let offset = 0;
  let previous: JournalRecord | undefined;
  const damaged = (damage: string, from: number): JournalReading => ({
    entries,
    validBytes: offset,
    after: "damaged",
    damage,
    dropped: recordsFrom(bytes, from),
    usedBytes: usedBytes(bytes, offset),
  });
  while (offset < bytes.length) {
    const record = readRecord(bytes, offset);
    if (record === null) break;
    if (previous && record.entry.sequence !== previous.entry.sequence + 1) {
      return damaged(
        `the journal record at offset ${offset} has sequence ${record.entry.sequence} after ${previous.entry.sequence}`,
        offset,
      );
    }
    if (record.groupStart !== offset && record.groupStart !== previous?.groupStart) {
      return damaged(
        `the journal record at offset ${offset} continues a group write that does not precede it`,
        offset,
      );
    }
    entries.push(record.entry);
    previous = record;
    offset = record.end;
  }
  const used = usedBytes(bytes, offset);
  if (used === offset) {
    return {
      entries,
      validBytes: offset,
      after: "none",
      damage: null,
      dropped: [],
      usedBytes: used,
    };
  }
  const later = scanRecords(bytes, offset + 1, used);
  if (later.every((record) => inLastGroupWrite(record, later, offset, previous))) {
    return {
      entries,
      validBytes: offset,
      after: "torn",
      damage: null,
      dropped: later.map(found),
      usedBytes: used,
    };
  }
  return {
    entries,
    validBytes: offset,
    after: "damaged",
    damage: `the journal record at offset ${offset} is damaged`,
    dropped: later.map(found),
    usedBytes: used,
  };
}

/**
 * Reads the records of a journal, as opening does. What a crash leaves after the last
 * acknowledged record (a torn last record, or pages of the last group write missing or
 * garbled) is left out: it was never acknowledged. Damage followed by a record of a later
 * group write is corruption, not a crash, and so are records out of sequence.
 *
 * @param bytes - The journal's content.
 * @param location - The journal file or store, for messages.
 * @returns The entries and how many bytes hold them (where to cut the journal).
 * @throws {@link CorruptDatabaseError} naming `location` and the offset of a damaged
 *   record, or of a record out of sequence.
 */
export function decodeJournal(bytes: Uint8Array, location: string): DecodedJournal {
  const { entries, validBytes, damage } = readJournal(bytes);
  if (damage !== null) throw new CorruptDatabaseError(location, damage, { offset: validBytes });
  return { entries, validBytes };
}

interface JournalRecord {
  readonly entry: JournalEntry;
  readonly offset: number;
  readonly end: number;
  /** Where its group write began; an earlier-format record is a group of its own. */
  readonly groupStart: number;
}

function readRecord(bytes: Uint8Array, offset: number): JournalRecord | null {
  if (bytes.length - offset < HEADER_BYTES_V1) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, bytes.length - offset);
  const magic = view.getUint32(0, true);
  if (magic !== MAGIC && magic !== MAGIC_V2 && magic !== MAGIC_V1) return null;
  const header = magic === MAGIC_V1 ? HEADER_BYTES_V1 : HEADER_BYTES;
  if (bytes.length - offset < header) return null;
  const length = view.getUint32(4, true);
  const end = offset + header + length;
  if (length > MAX_PAYLOAD_BYTES || end > bytes.length) return null;
  const payload = bytes.subarray(offset + header, end);
  const checksum = crc32(payload, crc32(bytes.subarray(offset + 4, offset + header - 4)));
  if (checksum !== view.getUint32(header - 4, true)) return null;
  const sequence = Number(view.getBigUint64(8, true));
  const groupStart = magic === MAGIC_V1 ? offset : offset - Number(view.getBigUint64(16, true));
  try {
    const statements = magic === MAGIC ? readPayload(payload) : readJsonPayload(payload);
    return { entry: { sequence, statements }, offset, end, groupStart };
  } catch {
    return null;
  }
}

/** The statements of an "NSJ1" or "NSJ2" record's payload: JSON, some values tagged. */
function readJsonPayload(payload: Uint8Array): JournalStatement[] {
  decoder ??= new TextDecoder();
  const statements = JSON.parse(decoder.decode(payload)) as [string, unknown[]][];
  return statements.map(([sql, params]) => ({ sql, params: params.map(untagValue) }));
}

/**
 * Whether a valid record found after the damage at `cut` belongs to the write that the
 * damage is in, and that write is the last: every record found shares its group write,
 * which began at the damage or with the records kept just before it, and continues their
 * sequence.
 */
function inLastGroupWrite(
  record: JournalRecord,
  later: readonly JournalRecord[],
  cut: number,
  previous: JournalRecord | undefined,
): boolean {
  const sameWrite = record.groupStart === cut || record.groupStart === previous?.groupStart;
  // The damaged record holds at least the next sequence.
  const continues = previous === undefined || record.entry.sequence > previous.entry.sequence + 1;
  return sameWrite && continues && record.groupStart === later[0]?.groupStart;
}

/** The whole, valid records that start in `[from, to)`, in order, skipping what is not one. */
function scanRecords(bytes: Uint8Array, from: number, to: number): JournalRecord[] {
  const records: JournalRecord[] = [];
  for (let candidate = from; candidate < to; candidate++) {
    // "N" of the magic first: a cheap filter before the full check.
    if (bytes[candidate] !== 0x4e) continue;
    const record = readRecord(bytes, candidate);
    if (record === null) continue;
    records.push(record);
    candidate = record.end - 1;
  }
  return records;
}

/** The valid records from `offset` on, for what a cut drops. */
function recordsFrom(bytes: Uint8Array, offset: number): JournalRecordFound[] {
  return scanRecords(bytes, offset, usedBytes(bytes, offset)).map(found);
}

function found(record: JournalRecord): JournalRecordFound {
  return { sequence: record.entry.sequence, offset: record.offset, end: record.end };
}

/** Where the bytes end, zeros at the end (written ahead of the records) left out; at least `from`. */
function usedBytes(bytes: Uint8Array, from: number): number {
  let end = bytes.length;
  while (end > from && bytes[end - 1] === 0) end--;
  return end;
}

function untagValue(value: unknown): StoredValue {
  if (value !== null && typeof value === "object") {
    const tagged = value as { $bigint?: string; $bytes?: number[] };
    if (tagged.$bigint !== undefined) return BigInt(tagged.$bigint);
    if (tagged.$bytes !== undefined) return Uint8Array.from(tagged.$bytes);
  }
  return value as StoredValue;
}
