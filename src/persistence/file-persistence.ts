import { basename, dirname, join, resolve } from "node:path";
import {
  beginFileReplacement,
  type FileReplacement,
  replaceFileAtomically,
  syncDirectory,
  TEMP_MARK,
} from "./atomic-file.js";
import { StorageError } from "./errors.js";
import { EventLoopTurns } from "./event-loop-turns.js";
import { acquireFileLock, type FileLock } from "./file-lock.js";
import {
  type FileStat,
  type FileSystem,
  isSameFile,
  nodeFileSystem,
  readIfPresent,
  writeAll,
} from "./file-system.js";
import { decodeJournal, encodeJournalEntries } from "./journal-codec.js";
import { JournaledTarget } from "./journaled-target.js";
import type { Persistence, StoredDatabase } from "./persistence.js";
import { readDatabaseWithRoom } from "./room-to-grow.js";
import {
  checkUnchanged,
  type FileVersion,
  isCurrentVersion,
  readCommittedDatabase,
  readVersioned,
  settleSqliteJournals,
  versionWritten,
} from "./shared-sqlite-file.js";
import type { SnapshotRebuilder } from "./snapshot-recipe.js";
import { workerSnapshotRebuilder } from "./worker-snapshot-rebuilder.js";

/** Options of {@link filePersistence}. */
export interface FilePersistenceOptions {
  /**
   * How long to wait, in milliseconds, for another process to release the database before
   * refusing with `DatabaseLockedError`. 0 (the default) refuses at once.
   */
  readonly lockTimeout?: number;
  /**
   * `true` (the default): each commit appends one checksummed record to the journal and
   * syncs it, so a save costs what the change costs. `false`: each commit rewrites the
   * whole database file (slow on large databases; kept as a baseline and for tools that
   * must see every change in the `.db` file at once).
   */
  readonly journal?: boolean;
  /** The journal size, in bytes, past which the adapter folds it into the database file. 64 MiB by default. */
  readonly checkpointBytes?: number;
  /**
   * `true` (the default): a checkpoint the journal's size calls for rebuilds the new
   * database file in a worker thread, from the file and the journal, while saves go on; the
   * writer's thread then never stops to take an image of the database (a quarter of a
   * second at 200 MB). The worker holds a second copy of the database while it runs, and is
   * the package's `dist/snapshot-worker.js`: where that file is not beside the package's
   * other modules (a bundle made without it), or a rebuild fails, the writer takes the
   * image itself. `false`: the image is taken on the writer's thread, as it is on close.
   */
  readonly checkpointInWorker?: boolean;
  /**
   * What rebuilds snapshots when `checkpointInWorker` is on; a worker thread by default.
   * Tests pass one that runs in their own thread: a seam for them, not part of the contract.
   *
   * @internal
   */
  readonly snapshotRebuilder?: SnapshotRebuilder;
  /**
   * The file system to use; `node:fs` by default. Tests pass one that fails on demand: a
   * seam for them, not part of the contract.
   *
   * @internal
   */
  readonly fileSystem?: FileSystem;
  /**
   * Only read the database, as it is now: no lock is taken (a writer may have it open),
   * nothing is written, and changes are refused. It sees every acknowledged save: the
   * database file and its journal, and what another SQLite program (such as the Python
   * service) committed to `<path>-wal`.
   */
  readonly readOnly?: boolean;
  /**
   * The caller states that no other SQLite program (such as the Python service) has the
   * file open. Then committed frames that such a program left in `<path>-wal` are taken over
   * into the database file, durably, before `<path>-wal` and `<path>-shm` are removed.
   * Without it (the default), a writer refuses to open while `<path>-wal` exists, since
   * writing beside a live WAL loses one side's commits. Stating it falsely loses them too.
   * A hot `<path>-journal` (a rollback-mode change left unfinished) is refused either way.
   */
  readonly noOtherSqliteProcess?: boolean;
}

/** The journal's file name next to the database: never `-journal` or `-wal`, SQLite's own. */
export const JOURNAL_SUFFIX = ".ns-journal";

const DEFAULT_CHECKPOINT_BYTES = 64 * 1024 * 1024;
const JOURNAL_GROWTH_BYTES = 1024 * 1024;
/**
 * Records appended during a checkpoint, from this many bytes on, are copied into the new
 * journal ahead of the journal's turn: the turn then copies only those appended since.
 */
const JOURNAL_DRAFT_BYTES = 64 * 1024;

/**
 * The new journal a checkpoint writes ahead of its turn: the records from `from` to `to`
 * of the journal open as `fd`, in a temp file.
 */
interface JournalDraft {
  readonly fd: number;
  readonly from: number;
  readonly to: number;
  readonly replacement: FileReplacement;
}

/**
 * Keeps the database in a file on disk (Node, Deno and Bun). The file is a plain SQLite
 * database (the snapshot); each commit is appended to `<path>.ns-journal` as a checksummed
 * record and synced before it is acknowledged (the journal grows a megabyte at a time,
 * zero-filled ahead of the records). Checkpoints (on close, and when the journal
 * outgrows `checkpointBytes`) replace the file atomically (temp file, fsync, rename, fsync
 * of the folder) and empty the journal, so after `close()` the file alone is the whole
 * database. `<path>.lock` holds the writer lock while it is open (`readOnly` takes none,
 * and changes nothing). A file that is not a readable SQLite database, or a journal damaged
 * before its last record, is refused, naming it, and never overwritten.
 *
 * The file may be shared with another SQLite program, such as the Python service (DESIGN
 * §4): a writer refuses to open beside that program's `<path>-wal` or hot `<path>-journal`
 * (`PendingSqliteJournalError`) unless `noOtherSqliteProcess` says it is gone; before each
 * checkpoint it checks that the file is still the one it read or last wrote (identity,
 * size, SQLite's change counter) and that no `<path>-wal` appeared, and otherwise replaces
 * nothing and stops with `ForeignWriteError`, its saves kept in its journal. A file in WAL
 * mode stays in WAL mode. Readers (`readOnly`) apply the committed frames of `<path>-wal`.
 *
 * @param path - The database file; its folder is created if missing.
 * @param options - Lock waiting, journal mode and threshold, read-only access, sharing.
 * @returns A persistence for `openSqlJsAdapter` or `openNegotiationStore`. Nothing is read,
 *   created or locked until the adapter opens it; opening then throws
 *   `DatabaseLockedError` (code `DATABASE_LOCKED`) when another process holds the lock,
 *   `PendingSqliteJournalError` (code `SQLITE_JOURNAL_PENDING`) beside another SQLite
 *   program's WAL or hot journal, `CorruptDatabaseError` (code `DATABASE_CORRUPT`) for a
 *   file or journal that cannot be read as one, and `StorageError` (code `STORAGE_FAILED`)
 *   when the file system refuses.
 * @example
 * import { filePersistence } from "negotiation-state/file";
 * const store = await openNegotiationStore({ persistence: filePersistence("./data/negotiations.db") });
 */
export function filePersistence(path: string, options: FilePersistenceOptions = {}): Persistence {
  const file = resolve(path);
  const journalFile = `${file}${JOURNAL_SUFFIX}`;
  const fs = options.fileSystem ?? nodeFileSystem;
  if (options.readOnly) return readOnlyFilePersistence(fs, file, journalFile);
  const target = new JournaledTarget<FileLock>(
    file,
    options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES,
  );
  let journal: number | undefined;
  /** How long the journal file is: records, then zeros written ahead of them. */
  let journalCapacity = 0;
  /**
   * Where the journal must be cut before anything is appended: after its records, when
   * open found a torn tail or zeros written ahead (cut only once the database proved
   * readable, so a refused open changes nothing); at 0, when a checkpoint failed to empty
   * it (its length is then unknown, and writing past a hole would read as damage).
   */
  let journalCutAt: number | undefined;
  /** The database file as this writer read or last wrote it: anything else is another writer's. */
  let fileVersion: FileVersion = { stat: null, changeCounter: null };
  /** The journal file this writer created or opened; another at its path means it was lost. */
  let journalIdentity: FileStat | undefined;
  /** Where the system named that file then, if it can tell (see `FileSystem.pathOf`). */
  let journalLink: string | null = null;
  const identifyJournal = async (fd: number): Promise<void> => {
    journalIdentity = await fs.stat(journalFile);
    const link = fs.pathOf(fd);
    // Trusted only once it names this very file: in a runtime whose descriptors were not
    // the system's, it would name another.
    journalLink = link !== null && isSameFile(fs.statNow(link), journalIdentity) ? link : null;
  };
  /** The journal was lost and could not be written again at its path. */
  let journalLost = false;
  /**
   * While a checkpoint is written: where the records its snapshot does not hold begin
   * (those appended since it was called), which the journal keeps when it is cut.
   */
  let snapshotHolds: number | undefined;
  /** Journal writes take turns with the end of a checkpoint (its rename, the journal's cut). */
  let journalTurn: Promise<void> = Promise.resolve();
  const takeJournalTurn = async (): Promise<() => void> => {
    const previous = journalTurn;
    let release = () => {};
    journalTurn = new Promise((resolve) => {
      release = resolve;
    });
    await previous;
    return release;
  };

  const eventLoop = new EventLoopTurns();
  /** Cleared when a rebuild fails: later checkpoints take the adapter's image. */
  let rebuildSnapshot =
    options.checkpointInWorker === false
      ? undefined
      : (options.snapshotRebuilder ?? workerSnapshotRebuilder());

  /** The journal's bytes from `from` to `to`, read through its descriptor. */
  const readJournal = async (fd: number, from: number, to: number): Promise<Uint8Array> => {
    const bytes = new Uint8Array(to - from);
    for (let read = 0; read < bytes.length; ) {
      const count = await fs.read(fd, bytes.subarray(read), from + read);
      if (count <= 0) throw new Error(`the journal ended after ${from + read} of ${to} bytes`);
      read += count;
    }
    return bytes;
  };

  /**
   * Opens this writer's journal: a new file, or a copy of the one found (`found`, its bytes
   * unchanged). A writer before this one whose lock was taken over may still hold the file
   * it found open, and appends checks nothing before it writes: its records then land in a
   * file no longer at the journal's path, never among this writer's.
   */
  const openJournal = async (found: Uint8Array | null): Promise<number> => {
    if (found === null) {
      // "a" creates the file when missing and changes nothing otherwise; records are then
      // written at their offsets, which a file opened to append would ignore.
      await fs.close(await fs.open(journalFile, "a"));
      // The journal's own folder entry must be durable before any record in it counts.
      await syncDirectory(fs, dirname(file));
    } else {
      await replaceFileAtomically(fs, journalFile, found);
    }
    const fd = await fs.open(journalFile, "r+");
    await identifyJournal(fd);
    return fd;
  };

  /**
   * Writes the journal's records from `from` on, alone, into a journal that replaces the one
   * at its path atomically, and appends to it from then on. The records are read through the
   * open descriptor, so this also writes again a journal that was deleted or replaced while
   * open.
   *
   * @returns How many bytes of records the new journal holds.
   */
  const rewriteJournalFrom = async (from: number, draft?: JournalDraft): Promise<number> => {
    const fd = journal as number;
    const kept = target.recordBytes - from;
    if (draft && draft.fd === fd && draft.from === from && journalCutAt === undefined) {
      await draft.replacement.finish(await readJournal(fd, draft.to, target.recordBytes));
    } else {
      await draft?.replacement.discard();
      await replaceFileAtomically(fs, journalFile, await readJournal(fd, from, target.recordBytes));
    }
    journal = await fs.open(journalFile, "r+");
    await identifyJournal(journal);
    await fs.close(fd).catch(() => undefined);
    journalCapacity = kept;
    journalCutAt = undefined;
    return kept;
  };

  /**
   * Writes ahead, outside the journal's turn, the new journal of a checkpoint whose snapshot
   * holds the records before `from`: those appended since it began. `undefined` when they
   * are few, or the journal is to be cut first: the turn then copies them all.
   */
  const draftJournalFrom = async (from: number): Promise<JournalDraft | undefined> => {
    const fd = journal;
    const to = target.recordBytes;
    if (fd === undefined || journalCutAt !== undefined || to - from < JOURNAL_DRAFT_BYTES) {
      return undefined;
    }
    const records = await readJournal(fd, from, to);
    return { fd, from, to, replacement: await beginFileReplacement(fs, journalFile, records) };
  };

  const journalIsLost = (): boolean => {
    const path = journalLink === null ? null : fs.pathOf(journal as number);
    if (path !== null) return path !== journalLink;
    return !isSameFile(fs.statNow(journalFile), journalIdentity);
  };

  /** Appends records in the journal's turn; see `append`. */
  const appendInTurn = async (records: Uint8Array): Promise<void> => {
    const turn = eventLoop.due();
    if (turn) await turn;
    const fd = journal as number;
    try {
      if (journalCutAt !== undefined) {
        await fs.ftruncate(fd, journalCutAt);
        await fs.fdatasync(fd);
        // What was cut was never acknowledged, or an earlier snapshot holds it.
        if (snapshotHolds !== undefined) snapshotHolds = Math.min(snapshotHolds, journalCutAt);
        target.recordsCutAt(journalCutAt);
        journalCapacity = journalCutAt;
        journalCutAt = undefined;
      }
      const end = target.recordBytes + records.length;
      if (end > journalCapacity) {
        // Syncing a write into space the file already has costs about half as much as
        // one that also grows it, so the file grows ahead of the records, zero-filled.
        const capacity = Math.max(end, journalCapacity + JOURNAL_GROWTH_BYTES);
        await writeAll(fs, fd, new Uint8Array(capacity - end), end);
        journalCapacity = capacity;
      }
      await writeAll(fs, fd, records, target.recordBytes);
      await fs.fdatasync(fd);
      target.recordsAppended(records.length);
    } catch (cause) {
      // Take back what may have reached the disk: these entries are being refused.
      journalCapacity = target.recordBytes;
      await fs
        .ftruncate(fd, target.recordBytes)
        .then(() => fs.fdatasync(fd))
        .catch(() => undefined);
      throw target.failure("append to the journal", cause, journalFile);
    }
    // Checked once the records are durable, so that nothing is acknowledged once this is
    // not the writer any more, nor before they are in the journal at its path. Checking
    // before the write as well cost 2-3% of a save, and is not needed: a writer that took
    // over appends to a copy of the journal (see openJournal), so a write here harms no one.
    target.lock?.check();
    let lost: boolean;
    try {
      lost = journalIsLost();
    } catch (cause) {
      throw target.failure("examine the journal", cause, journalFile);
    }
    if (lost) {
      try {
        await rewriteJournalFrom(0);
      } catch (cause) {
        journalLost = true;
        throw target.failure("write again the lost journal", cause, journalFile);
      }
    }
  };

  /**
   * Empties the journal of the records a new snapshot holds, those before `keepFrom`,
   * finishing `draft` when it still fits.
   */
  const cutJournal = async (keepFrom: number, draft?: JournalDraft): Promise<void> => {
    if (journal !== undefined && target.recordBytes > keepFrom) {
      try {
        target.checkpointed(await rewriteJournalFrom(keepFrom, draft));
      } catch (cause) {
        // The journal still holds every record; those the snapshot has are skipped on open.
        throw target.failure("keep the newest records of the journal", cause, journalFile);
      }
      return;
    }
    await draft?.replacement.discard();
    if ((target.recordBytes === 0 && journalCutAt === undefined) || journal === undefined) {
      target.checkpointed();
      return;
    }
    try {
      await fs.ftruncate(journal, 0);
      await fs.fdatasync(journal);
      journalCapacity = 0;
      journalCutAt = undefined;
      target.checkpointed();
    } catch (cause) {
      // The new snapshot holds every entry, and they are skipped by sequence on open.
      journalCutAt = 0;
      throw target.failure("empty the journal", cause, journalFile);
    }
  };

  /** Replaces the file with `snapshot`, which holds the journal's records before `snapshotHolds`. */
  const writeCheckpoint = async (snapshot: Uint8Array): Promise<void> => {
    let written = fileVersion;
    let releaseTurn: (() => void) | undefined;
    let draft: JournalDraft | undefined;
    try {
      // Checked at the last moment, once the new image is durable under its temp name;
      // from then on until the journal is cut, no record is appended.
      await replaceFileAtomically(fs, file, snapshot, async (temp) => {
        draft = await draftJournalFrom(snapshotHolds as number);
        releaseTurn = await takeJournalTurn();
        target.lock?.check();
        await checkUnchanged(fs, file, fileVersion);
        written = await versionWritten(fs, temp, snapshot);
      });
    } catch (cause) {
      await draft?.replacement.discard();
      releaseTurn?.();
      snapshotHolds = undefined;
      // A rename that took effect before failing, or a folder sync failing after it,
      // leaves this writer's own file in place.
      if (written !== fileVersion && (await isCurrentVersion(fs, file, written))) {
        fileVersion = written;
      }
      throw target.wrap("write the database", cause);
    }
    fileVersion = written;
    const keepFrom = snapshotHolds as number;
    snapshotHolds = undefined;
    try {
      await cutJournal(keepFrom, draft);
    } finally {
      releaseTurn?.();
    }
  };

  const persistence: Persistence = {
    location: file,
    appendsDuringCheckpoint: true,
    wantsCheckpoint: () => target.wantsCheckpoint(),
    journalLost: () => journalLost,

    async open(): Promise<StoredDatabase> {
      await createFolder(fs, file).catch((cause: unknown) => {
        throw target.failure("create the folder of", cause);
      });
      return target.open(
        () => acquireFileLock(fs, `${file}.lock`, file, options.lockTimeout),
        async () => {
          await removeLeftoverTempFiles(fs, file);
          await settleSqliteJournals(fs, file, options.noOtherSqliteProcess === true);
          const { image: snapshot, version } = await readVersioned(fs, file);
          fileVersion = version;
          const journalImage = await readIfPresent(fs, journalFile);
          const decoded = decodeJournal(journalImage ?? new Uint8Array(), journalFile);
          journal = await openJournal(journalImage);
          // Zeros written ahead, or a torn last record that was never acknowledged: cut off
          // later, so that nothing but zeros ever follows the records.
          const journalLength = journalImage?.length ?? 0;
          journalCutAt = decoded.validBytes < journalLength ? decoded.validBytes : undefined;
          target.recordsFound(decoded.validBytes, journalLength > 0);
          journalCapacity = decoded.validBytes;
          return { snapshot, journal: decoded.entries };
        },
        async () => {
          const fd = journal;
          journal = undefined;
          if (fd !== undefined) await fs.close(fd);
        },
      );
    },

    checkpoint(snapshot) {
      // Records appended from here on are not in the snapshot: the journal keeps them.
      snapshotHolds = target.recordBytes;
      return writeCheckpoint(snapshot);
    },

    checkpointFromStored(sequence) {
      const rebuild = rebuildSnapshot;
      const fd = journal;
      if (!rebuild || fd === undefined || journalCutAt !== undefined || journalLost) {
        return undefined;
      }
      const holds = target.recordBytes;
      snapshotHolds = holds;
      return (async () => {
        let image: Uint8Array;
        try {
          // One after the other, and before the worker starts: on two cores, the writer's
          // thread then still has one to itself.
          const snapshot = await readDatabaseWithRoom(fs, file);
          const records = await readJournal(fd, 0, holds);
          image = await rebuild({ snapshot, journal: records, sequence, location: file });
        } catch (cause) {
          snapshotHolds = undefined;
          rebuildSnapshot = undefined;
          throw target.wrap("rebuild the database", cause);
        }
        await writeCheckpoint(image);
      })();
    },

    async close() {
      try {
        if (journal !== undefined) await fs.close(journal);
        if (target.recordBytes === 0 && journalCutAt === undefined) {
          await fs.rm(journalFile, { force: true });
        }
      } catch (cause) {
        throw target.failure("close", cause, journalFile);
      } finally {
        journal = undefined;
        await target.release();
      }
    },
  };

  if (options.journal === false) return persistence;

  return {
    ...persistence,
    async append(entries) {
      const records = encodeJournalEntries(entries);
      const releaseTurn = await takeJournalTurn();
      try {
        await appendInTurn(records);
      } finally {
        releaseTurn();
      }
    },
  };
}

function readOnlyFilePersistence(fs: FileSystem, file: string, journalFile: string): Persistence {
  return {
    location: file,
    readOnly: true,
    async open() {
      for (let attempt = 1; ; attempt++) {
        // The journal first: a checkpoint running meanwhile writes the new database file
        // before it empties the journal, so the file read next holds every record read here.
        const journalImage = await readIfPresent(fs, journalFile);
        const { image: snapshot } = await readCommittedDatabase(fs, file);
        // A database never checkpointed yet is only a journal.
        if (snapshot === null && journalImage === null) {
          throw new StorageError(`Cannot read ${file}: there is no database there`, {
            location: file,
          });
        }
        try {
          const { entries } = decodeJournal(journalImage ?? new Uint8Array(), journalFile);
          return { snapshot, journal: entries };
        } catch (error) {
          // A writer emptying and refilling the journal while it was read can make it
          // look damaged; a second read tells that from damage that stays.
          if (attempt === 2) throw error;
        }
      }
    },
    async checkpoint() {
      throw new StorageError(`The database ${file} is open read-only: it cannot be changed`, {
        location: file,
      });
    },
    async close() {},
  };
}

/** Creates the folder of `file` and any missing above it, each durably. */
async function createFolder(fs: FileSystem, file: string): Promise<void> {
  const created = await fs.mkdir(dirname(file), { recursive: true });
  // Each new folder's entry is durable only once its parent folder is synced.
  if (typeof created === "string") {
    for (let folder = dirname(file); ; folder = dirname(folder)) {
      await syncDirectory(fs, dirname(folder));
      if (folder === resolve(created) || folder === dirname(folder)) break;
    }
  }
}

/** Temp files of writes that a crash interrupted; the lock says no writer is using them. */
async function removeLeftoverTempFiles(fs: FileSystem, file: string): Promise<void> {
  const prefixes = [file, `${file}${JOURNAL_SUFFIX}`].map(
    (path) => `${basename(path)}${TEMP_MARK}`,
  );
  const folder = dirname(file);
  for (const name of await fs.readdir(folder)) {
    if (prefixes.some((prefix) => name.startsWith(prefix))) {
      await fs.rm(join(folder, name), { force: true });
    }
  }
}
