import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { errorCode } from "../../errors/negotiation-error.js";
import { syncDirectory, TEMP_MARK } from "../../persistence/atomic-file.js";
import { acquireFileLock } from "../../persistence/file-lock.js";
import { JOURNAL_SUFFIX } from "../../persistence/file-persistence.js";
import {
  type FileSystem,
  nodeFileSystem,
  readIfPresent,
  statIfPresent,
  writeAll,
} from "../../persistence/file-system.js";
import { type JournalReading, readJournal } from "../../persistence/journal-codec.js";
import { action, type CliContext } from "../cli-context.js";
import { sequenceList } from "../journal-check.js";
import { plural } from "../plural.js";
import { refusedOnPostgres } from "../postgres-url.js";
import { printable } from "../terminal.js";
import { printFindings, verifyDatabase } from "./verify.js";

/** What names the copy of a damaged journal: `<database>.ns-journal<mark><time>`. */
export const DAMAGED_COPY_MARK = ".damaged-";

/** Registers `repair`: cuts a damaged journal at its first damaged record, keeping a copy. */
export function registerRepair(program: Command, context: CliContext): void {
  program
    .command("repair")
    .summary("cut a damaged journal at its first damaged record, keeping a copy")
    .description(
      [
        `Repair a database whose journal (<database>${JOURNAL_SUFFIX}) opening refuses as damaged: keep a copy of the journal beside it (<database>${JOURNAL_SUFFIX}${DAMAGED_COPY_MARK}<UTC time>, written and synced before anything changes), cut the journal at its first damaged record (every record before it is kept), list the sequence numbers of the records the cut dropped (those still readable after the damage) and how many bytes could not be read, then run every check of verify on the result. The exit status is 0 only when the result verifies.`,
        "With nothing to repair (no journal, a journal without damage, or one that ends in what a crash leaves, which the next open drops by itself), it says so, changes nothing, and verifies. It repairs the journal only: a database file that does not verify is left as it is.",
        "Takes the writer lock: refused while an agent has the database open. A postgres:// URL is refused: PostgreSQL commits every change itself, and has no journal of ours to repair.",
      ].join("\n\n"),
    )
    .argument("<database>", "the database file")
    .action(
      action(context, async (database: string) => {
        if (refusedOnPostgres(context, "repair", database)) return;
        const file = resolve(database);
        const journalFile = `${file}${JOURNAL_SUFFIX}`;
        const fs = nodeFileSystem;
        // Taking the lock creates a lock file: a mistyped path must not leave one behind.
        if (
          (await statIfPresent(fs, file)) === null &&
          (await statIfPresent(fs, journalFile)) === null
        ) {
          throw new Error(`Cannot repair ${file}: there is no database there`);
        }
        const lock = await acquireFileLock(fs, `${file}.lock`, file);
        try {
          const journal = await readIfPresent(fs, journalFile);
          const reading = journal && readJournal(journal);
          if (journal === null || reading === null || reading.after !== "damaged") {
            context.out(nothingToRepair(journalFile, reading));
          } else {
            const copy = await keepCopy(fs, journalFile, journal);
            await cut(fs, journalFile, reading.validBytes);
            for (const line of repairReport(journalFile, copy, reading)) context.out(line);
          }
          const { problems } = printFindings(context, file, await verifyDatabase(file));
          if (problems > 0) {
            context.out(
              "repair cuts a damaged journal only: the problems listed remain, and the files stay as they are now.",
            );
          }
        } finally {
          await lock.release();
        }
      }),
    );
}

function nothingToRepair(journalFile: string, reading: JournalReading | null): string {
  const where = printable(journalFile);
  if (reading === null) return `Nothing to repair: there is no journal (${where}).`;
  if (reading.after === "torn") {
    return `Nothing to repair: ${where} has no damaged record; it ends in what a crash mid-save leaves at offset ${reading.validBytes}, never acknowledged, which the next open drops.`;
  }
  return `Nothing to repair: ${where} has no damaged record.`;
}

function repairReport(journalFile: string, copy: string, reading: JournalReading): string[] {
  const { entries, validBytes, dropped, usedBytes, damage } = reading;
  const first = entries[0];
  const last = entries.at(-1);
  const kept =
    first === undefined || last === undefined
      ? "no record was before it"
      : `kept ${plural(entries.length, "record")} before it (sequence ${first.sequence} to ${last.sequence})`;
  const readable = dropped.map((record) => record.sequence);
  const unreadable =
    usedBytes - validBytes - dropped.reduce((sum, record) => sum + record.end - record.offset, 0);
  const lost = unreadSequences(last?.sequence, readable);
  return [
    `Kept a copy of the damaged journal: ${printable(copy)}`,
    `Cut ${printable(journalFile)} at offset ${validBytes}, where ${damage}; ${kept}.`,
    readable.length === 0
      ? "Dropped: no whole record could be read after the damage."
      : `Dropped: ${plural(readable.length, "record")} still readable after the damage, sequence ${sequenceList(readable)}.`,
    `${plural(unreadable, "byte")} could not be read as records${lost === "" ? "" : ` (${lost})`}.`,
  ];
}

/** Which sequences the unreadable bytes held, as far as the records around them tell. */
function unreadSequences(lastKept: number | undefined, readable: readonly number[]): string {
  const missing: number[] = [];
  let before = lastKept;
  for (const sequence of readable) {
    if (before !== undefined) for (let gap = before + 1; gap < sequence; gap++) missing.push(gap);
    before = sequence;
  }
  if (missing.length > 0) return `sequence ${sequenceList(missing)} among them`;
  if (readable.length === 0 && lastKept !== undefined) {
    return `the record of sequence ${lastKept + 1} and any after it`;
  }
  return "";
}

/**
 * Writes `bytes` beside the journal under a name no file has, durably: a temp file (which a
 * writer's open removes if a crash leaves it), synced, then linked to its name (a link
 * never replaces a file), and the folder synced.
 */
async function keepCopy(fs: FileSystem, journalFile: string, bytes: Uint8Array): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:.]/g, "");
  const temp = `${journalFile}${TEMP_MARK}${crypto.randomUUID()}`;
  const fd = await fs.open(temp, "wx");
  try {
    await writeAll(fs, fd, bytes, 0);
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
  try {
    for (let attempt = 1; ; attempt++) {
      const copy = `${journalFile}${DAMAGED_COPY_MARK}${stamp}${attempt === 1 ? "" : `-${attempt}`}`;
      try {
        await fs.link(temp, copy);
        await syncDirectory(fs, dirname(journalFile));
        return copy;
      } catch (error) {
        if (errorCode(error) !== "EEXIST") throw error;
      }
    }
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/** Cuts the journal at `length`, durably. */
async function cut(fs: FileSystem, journalFile: string, length: number): Promise<void> {
  const fd = await fs.open(journalFile, "r+");
  try {
    await fs.ftruncate(fd, length);
    await fs.fdatasync(fd);
  } finally {
    await fs.close(fd);
  }
}
