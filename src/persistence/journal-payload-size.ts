import { isWellFormedText } from "./journal-payload.js";
import type { JournalStatement, StoredValue } from "./persistence.js";

/**
 * The most bytes one journal record's payload may hold: 536,870,888 (2^29 − 24), the
 * longest string V8 builds (Node, Deno, Chrome, 64-bit; JavaScriptCore and SpiderMonkey
 * hold longer ones). A record's payload is its entry's statements, each text as its UTF-8
 * (see `journal-payload.ts`); text with a lone surrogate is written as its JSON string,
 * built as one string when the record is written and parsed as one when it is read back,
 * and that string never has more UTF-16 code units than its UTF-8 has bytes, so a payload
 * within this limit can be both written and read in every runtime. It is also well under
 * the 1 GiB the codec reads in one record. (The records of the earlier formats were JSON
 * text, built as one string: the same limit held them.)
 *
 * One entry is one change: a `run`, or every statement of a `transaction` together. A
 * change that would need more is refused by the adapter before it touches the database.
 */
export const MAX_JOURNAL_PAYLOAD_BYTES = 2 ** 29 - 24;

/** The payload of an entry without statements: their count. */
export const EMPTY_PAYLOAD_BYTES = 4;

/** A character past ASCII: without one, text is one byte a character in UTF-8. */
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * How many bytes one statement takes in a journal record's payload, exactly as the codec
 * writes it, without building it.
 *
 * @param statement - The statement and its bound values.
 * @returns Its size in bytes.
 */
export function journalStatementBytes(statement: JournalStatement): number {
  const { sql, params } = statement;
  let bytes = textBytes(sql) + 4;
  for (const value of params) bytes += valueBytes(value);
  return bytes;
}

/**
 * How many bytes the statements of one entry take as a journal record's payload, exactly
 * as the codec writes it.
 *
 * @param statements - The entry's statements.
 * @returns The payload's size in bytes.
 */
export function journalPayloadBytes(statements: readonly JournalStatement[]): number {
  let bytes = EMPTY_PAYLOAD_BYTES;
  for (const statement of statements) bytes += journalStatementBytes(statement);
  return bytes;
}

function valueBytes(value: StoredValue | boolean | undefined): number {
  if (typeof value === "string") return textBytes(value);
  if (typeof value === "number" || typeof value === "boolean") return 9;
  if (typeof value === "bigint") return 5 + value.toString().length;
  if (value instanceof Uint8Array) return 5 + value.length;
  return 1;
}

/** A text value: its tag and length, then its UTF-8, or its JSON string's when it has none. */
function textBytes(text: string): number {
  return 5 + (isWellFormedText(text) ? utf8Bytes(text) : jsonStringBytes(text));
}

/** The UTF-8 length of well-formed text. */
function utf8Bytes(text: string): number {
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes;
}

/** Characters that JSON escapes, or that take more than one byte of UTF-8. */
const NOT_PLAIN_ASCII = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/** The UTF-8 bytes of `text` written as a JSON string by `JSON.stringify`, quotes included. */
function jsonStringBytes(text: string): number {
  // Most text needs no escape and is ASCII: then a native scan is enough.
  if (!NOT_PLAIN_ASCII.test(text)) return text.length + 2;
  let bytes = 2;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x22 || code === 0x5c) bytes += 2;
    else if (code < 0x20) {
      // \b \t \n \f \r have short escapes; the other controls are written \u00XX.
      bytes +=
        code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 2 : 6;
    } else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index++;
      } else {
        // A lone surrogate is written \uXXXX (well-formed JSON.stringify).
        bytes += 6;
      }
    } else if (code >= 0xdc00 && code <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}
