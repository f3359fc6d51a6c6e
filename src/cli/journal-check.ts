import { errorMessage, isNegotiationError } from "../domain/errors.js";
import { decodeJournal } from "../persistence/journal-codec.js";
import type { JournalEntry } from "../persistence/persistence.js";

/** What {@link checkJournal} found in a journal. */
export interface JournalCheck {
  /** The entries of its whole, valid records; none when it is damaged. */
  readonly entries: readonly JournalEntry[];
  /** How many bytes the file holds. */
  readonly bytes: number;
  /** How many bytes its valid records take. */
  readonly recordBytes: number;
  /**
   * Damage that opening refuses: a bad record before the last one (with its offset), or
   * records out of sequence. `null` when there is none.
   */
  readonly damage: string | null;
  /**
   * A torn last record: bytes after the valid records that are not the zeros a writer
   * writes ahead. Legitimate after a crash (it was never acknowledged); the next writer's
   * open drops it. `null` when there is none.
   */
  readonly tornTail: { readonly offset: number; readonly bytes: number } | null;
}

/**
 * Checks every record of a journal (`<database>.ns-journal`): magic, length, CRC-32 and
 * sequence, as opening does, and tells a torn tail from damage.
 *
 * @param bytes - The journal's content.
 * @param location - The journal file, for messages.
 * @returns What it holds and what is wrong with it.
 */
export function checkJournal(bytes: Uint8Array, location: string): JournalCheck {
  try {
    const { entries, validBytes } = decodeJournal(bytes, location);
    // A writer grows the journal ahead of its records, zero-filled: zeros are no tear.
    let end = bytes.length;
    while (end > validBytes && bytes[end - 1] === 0) end--;
    return {
      entries,
      bytes: bytes.length,
      recordBytes: validBytes,
      damage: null,
      tornTail: end > validBytes ? { offset: validBytes, bytes: end - validBytes } : null,
    };
  } catch (error) {
    if (!isNegotiationError(error, "DATABASE_CORRUPT")) throw error;
    return {
      entries: [],
      bytes: bytes.length,
      recordBytes: 0,
      damage: detailOf(errorMessage(error)),
      tornTail: null,
    };
  }
}

/** A `CorruptDatabaseError`'s message without its general prefix: what is wrong, and where. */
export function detailOf(message: string): string {
  return message.replace(/^Database .* is corrupt or not a SQLite database: /s, "");
}
