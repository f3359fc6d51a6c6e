import { dirname } from "node:path";
import { replaceFileAtomically, syncDirectory } from "./atomic-file.js";
import { ForeignWriteError, PendingSqliteJournalError, StorageError } from "./errors.js";
import {
  type FileStat,
  type FileSystem,
  isSameFile,
  openToReadIfPresent,
  readIfPresent,
  statIfPresent,
} from "./file-system.js";
import { readDatabaseWithRoom } from "./room-to-grow.js";
import { applyWal, type CommittedWal, readCommittedWal } from "./sqlite-wal.js";
import { storageFailure } from "./storage-failure.js";

/*
 * A database file shared with other SQLite programs (the Python service): they know nothing
 * of this package's lock and journal, but leave SQLite's own files beside the database:
 * `<db>-wal` (and `<db>-shm`) while they have it open in WAL mode, `<db>-journal` while a
 * change of theirs is under way in rollback mode.
 */

/** The version of a database file that a writer read or last wrote. */
export interface FileVersion {
  /** `null` when there was no file. */
  readonly stat: FileStat | null;
  /** The SQLite header's file change counter (bytes 24–27), `null` without a header. */
  readonly changeCounter: number | null;
}

/** What {@link readCommittedDatabase} read. */
export interface CommittedDatabase {
  /** `<db>` with the committed frames of `<db>-wal` written over it; `null` when neither exists. */
  readonly image: Uint8Array | null;
  /** How many frames of `<db>-wal` counted (0 without one). */
  readonly walFrames: number;
}

const READ_ATTEMPTS = 20;
const READ_RETRY_MS = 25;
const ROLLBACK_JOURNAL_MAGIC = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];
const HEADER_BYTES = 100;

/**
 * Reads a database file as SQLite programs committed it, without taking any lock: the file
 * with the committed frames of `<db>-wal` over it. The WAL is read before and after the file,
 * and the three reads are taken again until the WAL was not restarted in between (a
 * checkpoint that copied frames into the file meanwhile is harmless: the frames read after
 * it hold every page it copied) and no change of a rollback-mode writer is under way.
 *
 * @param fs - The file system.
 * @param file - The database file.
 * @throws `StorageError` naming the file when it cannot be read, or keeps changing.
 */
export async function readCommittedDatabase(
  fs: FileSystem,
  file: string,
): Promise<CommittedDatabase> {
  let unsettled = "";
  for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
    const before = await readWal(fs, file);
    const image = await readIfPresent(fs, file);
    const after = await readWal(fs, file);
    if (!sameGeneration(before, after)) {
      unsettled = `a SQLite program kept restarting ${walOf(file)} while it was read; try again`;
    } else if (await isHotRollbackJournal(fs, rollbackJournalOf(file))) {
      unsettled = `${rollbackJournalOf(file)} holds a change that a SQLite program has not finished (it is writing now, or stopped mid-change, in which case opening the file once with sqlite3 or Python's sqlite3 rolls it back)`;
    } else {
      return {
        image: after === null ? image : applyWal(image, after),
        walFrames: after?.committedFrames ?? 0,
      };
    }
    await pauseBeforeRetry();
  }
  throw new StorageError(`Cannot read ${file}: ${unsettled}`, { location: file });
}

/**
 * Readies a database file for a writer of this package: refuses while another SQLite
 * program may have it open or left a change in SQLite's own journals, or, when the caller
 * states that none has it open, takes committed WAL frames over into the file (durably,
 * and exactly as SQLite's checkpoint would) before removing `<db>-wal` and `<db>-shm`.
 *
 * @param fs - The file system.
 * @param file - The database file; the caller holds this package's lock on it.
 * @param takeOver - The caller states that no SQLite program has the file open.
 * @throws `PendingSqliteJournalError` naming the journal and what to do.
 */
export async function settleSqliteJournals(
  fs: FileSystem,
  file: string,
  takeOver: boolean,
): Promise<void> {
  const rollbackJournal = rollbackJournalOf(file);
  if (await isHotRollbackJournal(fs, rollbackJournal)) {
    throw new PendingSqliteJournalError(
      file,
      rollbackJournal,
      "holds a change that a SQLite program has not finished (it is writing now, or stopped mid-change): stop that program, then open the file once with sqlite3 or Python's sqlite3, which rolls the change back",
    );
  }
  const walFile = walOf(file);
  const wal = await readIfPresent(fs, walFile);
  if (wal === null) return;
  const committed = readCommittedWal(wal);
  if (!takeOver) {
    const found =
      committed === null
        ? "exists: a SQLite program (such as the Python service) may have the file open in WAL mode"
        : `holds ${committed.committedFrames} committed frames that are not in the database file yet: a SQLite program (such as the Python service) has it open in WAL mode, or stopped before checkpointing`;
    throw new PendingSqliteJournalError(
      file,
      walFile,
      `${found}. Stop that program (it checkpoints as it closes), or run sqlite3 ${JSON.stringify(file)} "PRAGMA wal_checkpoint(TRUNCATE)"; if no SQLite program has the file open, open it with the option noOtherSqliteProcess: true (on the command line: negotiation-state checkpoint --take-over-wal) to take the frames over`,
    );
  }
  // The frames become part of the file before the WAL goes: a crash in between leaves
  // frames that SQLite would apply again, to pages that already hold them.
  if (committed !== null) {
    await replaceFileAtomically(fs, file, applyWal(await readIfPresent(fs, file), committed));
  }
  await fs.rm(walFile, { force: true });
  await fs.rm(`${file}-shm`, { force: true });
  await syncDirectory(fs, dirname(file));
}

/**
 * Reads a database file together with the version it was read at; reads again while
 * another program changes it meanwhile.
 *
 * @returns The bytes (`null` when there is no file), perhaps with room to grow after them
 *   (see {@link readDatabaseWithRoom}), and their version.
 * @throws `StorageError` naming the file when it cannot be read, or keeps changing.
 */
export async function readVersioned(
  fs: FileSystem,
  file: string,
): Promise<{ image: Uint8Array | null; version: FileVersion }> {
  for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
    const before = await statIfPresent(fs, file);
    const image = await readDatabaseWithRoom(fs, file);
    const after = await statIfPresent(fs, file);
    if (sameStat(before, after)) {
      return { image, version: { stat: after, changeCounter: changeCounterOf(image) } };
    }
    await pauseBeforeRetry();
  }
  const detail = "another program kept changing it while it was read";
  throw new StorageError(`Cannot read ${file}: ${detail}`, { location: file });
}

/**
 * The version of bytes this writer just wrote under `path`, before they are renamed into
 * place (a rename keeps a file's identity and times).
 */
export async function versionWritten(
  fs: FileSystem,
  path: string,
  image: Uint8Array,
): Promise<FileVersion> {
  return { stat: await fs.stat(path), changeCounter: changeCounterOf(image) };
}

/**
 * Tells whether a database file is now exactly `version`; `false` when it cannot be told.
 */
export async function isCurrentVersion(
  fs: FileSystem,
  file: string,
  version: FileVersion,
): Promise<boolean> {
  return sameStat(await fs.stat(file).catch(() => null), version.stat);
}

/**
 * Checks that a database file is still the version this writer read or last wrote, and that
 * no SQLite program has opened it in WAL mode or is changing it, before the writer replaces
 * it. A file that vanished is no one's commit, and may be written again.
 *
 * @throws `ForeignWriteError` saying what changed; `StorageError` when it cannot be examined.
 */
export async function checkUnchanged(
  fs: FileSystem,
  file: string,
  expected: FileVersion,
): Promise<void> {
  const evidence = await foreignChange(fs, file, expected);
  if (evidence !== undefined) throw new ForeignWriteError(file, evidence);
}

async function foreignChange(
  fs: FileSystem,
  file: string,
  expected: FileVersion,
): Promise<string | undefined> {
  const walFile = walOf(file);
  if ((await statIfPresent(fs, walFile)) !== null) {
    return `${walFile} appeared: a SQLite program opened the file in WAL mode`;
  }
  if (await isHotRollbackJournal(fs, rollbackJournalOf(file))) {
    return `${rollbackJournalOf(file)} holds a change under way`;
  }
  const now = await statIfPresent(fs, file);
  const was = expected.stat;
  if (now === null) return undefined;
  if (was === null) return "a database file appeared where there was none";
  if (!isSameFile(now, was)) return "another file took its place";
  if (now.size !== was.size) return `its size went from ${was.size} to ${now.size} bytes`;
  const counter = await readChangeCounter(fs, file);
  if (counter !== expected.changeCounter) {
    return `its change counter went from ${expected.changeCounter} to ${counter}`;
  }
  if (now.mtimeMs !== was.mtimeMs) return "its content was rewritten";
  return undefined;
}

function pauseBeforeRetry(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, READ_RETRY_MS));
}

function walOf(file: string): string {
  return `${file}-wal`;
}

function rollbackJournalOf(file: string): string {
  return `${file}-journal`;
}

async function readWal(fs: FileSystem, file: string): Promise<CommittedWal | null> {
  const wal = await readIfPresent(fs, walOf(file));
  return wal === null ? null : readCommittedWal(wal);
}

/** No restart of the WAL between two reads: the later one holds every frame of the earlier. */
function sameGeneration(before: CommittedWal | null, after: CommittedWal | null): boolean {
  if (before === null || after === null) return before === after;
  return (
    before.salt1 === after.salt1 &&
    before.salt2 === after.salt2 &&
    before.checkpointSequence === after.checkpointSequence
  );
}

function sameStat(a: FileStat | null, b: FileStat | null): boolean {
  if (a === null || b === null) return a === b;
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/**
 * A rollback journal is hot, in SQLite's sense, when it starts with its header's magic: a
 * finished change leaves it deleted, empty or with a zeroed header.
 */
async function isHotRollbackJournal(fs: FileSystem, path: string): Promise<boolean> {
  const head = await readHead(fs, path, ROLLBACK_JOURNAL_MAGIC.length);
  return head !== null && ROLLBACK_JOURNAL_MAGIC.every((byte, index) => head[index] === byte);
}

async function readChangeCounter(fs: FileSystem, file: string): Promise<number | null> {
  return changeCounterOf(await readHead(fs, file, HEADER_BYTES));
}

function changeCounterOf(image: Uint8Array | null): number | null {
  if (image === null || image.length < HEADER_BYTES) return null;
  return new DataView(image.buffer, image.byteOffset, HEADER_BYTES).getUint32(24);
}

/** The first bytes of a file (fewer when it is shorter), or `null` when there is none. */
async function readHead(fs: FileSystem, path: string, bytes: number): Promise<Uint8Array | null> {
  const fd = await openToReadIfPresent(fs, path);
  if (fd === null) return null;
  try {
    const head = new Uint8Array(bytes);
    const read = await fs.read(fd, head, 0).finally(() => fs.close(fd));
    return head.subarray(0, read);
  } catch (cause) {
    throw storageFailure("read", path, cause);
  }
}
