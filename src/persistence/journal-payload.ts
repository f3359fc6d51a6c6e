import type { JournalStatement, StoredValue } from "./persistence.js";

/*
 * The payload of a journal record ("NSJ3"): the statements of one entry, each value in its
 * own form, little-endian:
 *
 *   u32 statements, then for each: its SQL as a text value, u32 values, then each value:
 *   u8 0  null
 *   u8 1  text, well-formed: u32 length, its UTF-8
 *   u8 2  number: f64
 *   u8 3  bigint: u32 length, its decimal digits (ASCII, "-" first when negative)
 *   u8 4  bytes: u32 length, the bytes
 *   u8 5  text with a lone surrogate (no UTF-8 form): u32 length, the UTF-8 of its JSON
 *         string, whose escapes keep every code unit
 *
 * Text is copied as its UTF-8 bytes, where a JSON payload escaped every quote of the JSON
 * columns it holds: encoding one took a third of the time a save spends in the process.
 */

const ValueTag = { Null: 0, Text: 1, Number: 2, BigInt: 3, Bytes: 4, EscapedText: 5 } as const;
type ValueTag = (typeof ValueTag)[keyof typeof ValueTag];

let encoder: TextEncoder | undefined;
let decoder: TextDecoder | undefined;

/**
 * Whether text has a UTF-8 form (no lone surrogate); `false` where the runtime cannot tell
 * (before ES2024), which only costs such text its escaped form.
 */
export function isWellFormedText(text: string): boolean {
  return (text as { isWellFormed?: () => boolean }).isWellFormed?.() === true;
}

/**
 * At least the bytes {@link writePayload} writes for one value, from its length alone: a
 * UTF-16 code unit takes at most 6 bytes (`\uXXXX`, in text written escaped), a value's tag
 * and length 5, a number 9.
 *
 * @param value - A statement's SQL or one of its values.
 * @returns A bound on its size in bytes.
 */
export function valueBytesAtMost(value: StoredValue): number {
  if (typeof value === "string") return 7 + 6 * value.length;
  if (value instanceof Uint8Array) return 5 + value.length;
  if (typeof value === "bigint") return 5 + value.toString().length;
  return 9;
}

/**
 * At least the bytes {@link writePayload} writes for `statements`, from lengths alone.
 *
 * @param statements - The statements of one entry.
 * @returns A bound on their payload's length.
 */
export function payloadBytesAtMost(statements: readonly JournalStatement[]): number {
  let bytes = 4;
  for (const { sql, params } of statements) {
    bytes += valueBytesAtMost(sql) + 4;
    for (const value of params) bytes += valueBytesAtMost(value);
  }
  return bytes;
}

/**
 * Writes the payload of `statements` into `into` from `at`.
 *
 * @param statements - The statements of one entry.
 * @param into - Room for at least {@link payloadBytesAtMost} bytes from `at`.
 * @param at - Where the payload begins.
 * @returns Where it ends.
 */
export function writePayload(
  statements: readonly JournalStatement[],
  into: Uint8Array,
  at: number,
): number {
  encoder ??= new TextEncoder();
  const utf8 = encoder;
  const view = new DataView(into.buffer, into.byteOffset);
  let end = at;
  const writeU32 = (value: number) => {
    view.setUint32(end, value, true);
    end += 4;
  };
  const writeUtf8 = (tag: ValueTag, text: string) => {
    into[end] = tag;
    const { written } = utf8.encodeInto(text, into.subarray(end + 5));
    view.setUint32(end + 1, written, true);
    end += 5 + written;
  };
  const writeText = (text: string) => {
    if (isWellFormedText(text)) writeUtf8(ValueTag.Text, text);
    else writeUtf8(ValueTag.EscapedText, JSON.stringify(text));
  };
  writeU32(statements.length);
  for (const { sql, params } of statements) {
    writeText(sql);
    writeU32(params.length);
    for (const value of params as readonly (StoredValue | boolean | undefined)[]) {
      if (typeof value === "string") writeText(value);
      else if (typeof value === "number" || typeof value === "boolean") {
        // A boolean is bound as 1 or 0, as sql.js binds it.
        into[end] = ValueTag.Number;
        view.setFloat64(end + 1, Number(value), true);
        end += 9;
      } else if (typeof value === "bigint") writeUtf8(ValueTag.BigInt, value.toString());
      else if (value instanceof Uint8Array) {
        into[end] = ValueTag.Bytes;
        view.setUint32(end + 1, value.length, true);
        into.set(value, end + 5);
        end += 5 + value.length;
      } else {
        into[end] = ValueTag.Null;
        end += 1;
      }
    }
  }
  return end;
}

/**
 * Reads the statements of a payload {@link writePayload} wrote.
 *
 * @param payload - Exactly the payload's bytes.
 * @returns Its statements.
 * @throws `RangeError` or `SyntaxError` when the bytes are not such a payload.
 */
export function readPayload(payload: Uint8Array): JournalStatement[] {
  decoder ??= new TextDecoder("utf-8", { fatal: true });
  const utf8 = decoder;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  let at = 0;
  const readU32 = () => {
    const value = view.getUint32(at, true);
    at += 4;
    return value;
  };
  const readBytes = () => {
    const length = readU32();
    if (at + length > payload.length) throw new RangeError("a value runs past the payload");
    at += length;
    return payload.subarray(at - length, at);
  };
  const readValue = (): StoredValue => {
    const tag = view.getUint8(at++);
    switch (tag) {
      case ValueTag.Null:
        return null;
      case ValueTag.Text:
        return utf8.decode(readBytes());
      case ValueTag.Number: {
        const value = view.getFloat64(at, true);
        at += 8;
        return value;
      }
      case ValueTag.BigInt:
        return BigInt(utf8.decode(readBytes()));
      case ValueTag.Bytes:
        return readBytes().slice();
      case ValueTag.EscapedText:
        return JSON.parse(utf8.decode(readBytes())) as string;
      default:
        throw new RangeError(`unknown value tag ${tag}`);
    }
  };
  const statements: JournalStatement[] = [];
  for (let count = readU32(); count > 0; count--) {
    const sql = readValue();
    if (typeof sql !== "string") throw new RangeError("a statement's SQL is not text");
    const params: StoredValue[] = [];
    for (let values = readU32(); values > 0; values--) params.push(readValue());
    statements.push({ sql, params });
  }
  if (at !== payload.length) throw new RangeError("bytes follow the last statement");
  return statements;
}
