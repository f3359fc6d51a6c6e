import { readJournal } from "../persistence/journal-codec.js";
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
   * Damage that opening refuses: a bad record followed by a record of a later group write
   * (with its offset), or records out of sequence. `null` when there is none.
   */
  readonly damage: string | null;
  /**
   * A torn last record: bytes after the valid records that are not the zeros a writer
   * writes ahead, and no whole record among them. Legitimate after a crash (it was never
   * acknowledged); the next writer's open drops it. `null` when there is none.
   */
  readonly tornTail: { readonly offset: number; readonly bytes: number } | null;
  /**
   * A last group write torn by a power loss: some of its pages reached the disk and an
   * earlier one did not, so whole records of that write (their sequences listed) follow a
   * damaged one. None of it was acknowledged; the next writer's open drops it from
   * `offset` on. `null` when there is none.
   */
  readonly tornGroup: {
    readonly offset: number;
    readonly bytes: number;
    readonly sequences: readonly number[];
  } | null;
}

/**
 * Checks every record of a journal (`<database>.ns-journal`): magic, length, CRC-32,
 * sequence and group write, as opening does, and tells a torn tail or a torn last group
 * write (what a crash leaves) from damage.
 *
 * @param bytes - The journal's content.
 * @returns What it holds and what is wrong with it.
 */
export function checkJournal(bytes: Uint8Array): JournalCheck {
  const reading = readJournal(bytes);
  if (reading.after === "damaged") {
    return {
      entries: [],
      bytes: bytes.length,
      recordBytes: 0,
      damage: reading.damage,
      tornTail: null,
      tornGroup: null,
    };
  }
  const tear =
    reading.after === "torn"
      ? { offset: reading.validBytes, bytes: reading.usedBytes - reading.validBytes }
      : null;
  return {
    entries: reading.entries,
    bytes: bytes.length,
    recordBytes: reading.validBytes,
    damage: null,
    tornTail: tear !== null && reading.dropped.length === 0 ? tear : null,
    tornGroup:
      tear !== null && reading.dropped.length > 0
        ? { ...tear, sequences: reading.dropped.map((record) => record.sequence) }
        : null,
  };
}

/**
 * Sequence numbers as text, runs shortened: `4 to 6, 9`.
 *
 * @param sequences - Sequence numbers, ascending.
 * @returns Them, for a message.
 */
export function sequenceList(sequences: readonly number[]): string {
  const runs: string[] = [];
  for (let index = 0; index < sequences.length; ) {
    const first = sequences[index] as number;
    let last = first;
    while (sequences[index + 1] === last + 1) last = sequences[++index] as number;
    index++;
    runs.push(
      last === first
        ? `${first}`
        : last === first + 1
          ? `${first}, ${last}`
          : `${first} to ${last}`,
    );
  }
  return runs.join(", ");
}
