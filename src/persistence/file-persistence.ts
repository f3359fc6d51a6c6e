import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { errorCode, errorMessage, StorageError } from "../domain/errors.js";
import { replaceFileAtomically, TEMP_MARK } from "./atomic-file.js";
import { acquireFileLock, type FileLock } from "./file-lock.js";
import type { Persistence } from "./persistence.js";

/** Options of {@link filePersistence}. */
export interface FilePersistenceOptions {
  /**
   * How long to wait, in milliseconds, for another process to release the database before
   * refusing with `DatabaseLockedError`. 0 (the default) refuses at once.
   */
  readonly lockTimeout?: number;
}

/**
 * Keeps the database in a file on disk (Node, Deno, Bun). The file is a plain SQLite
 * database; every commit replaces it atomically (temp file, fsync, rename, fsync of the
 * folder) before it is acknowledged. `<path>.lock` holds the writer lock while it is open.
 * A file that is not a readable SQLite database is refused, naming it, and never
 * overwritten.
 *
 * @param path - The database file; its folder is created if missing.
 * @param options - Lock waiting.
 * @returns A persistence for `openSqlJsAdapter` or `openNegotiationStore`.
 * @example
 * import { filePersistence } from "negotiation-state/file";
 * const store = await openNegotiationStore({ persistence: filePersistence("./data/negotiations.db") });
 */
export function filePersistence(path: string, options: FilePersistenceOptions = {}): Persistence {
  const file = resolve(path);
  let lock: FileLock | undefined;
  return {
    location: file,
    async open() {
      await mkdir(dirname(file), { recursive: true });
      lock = await acquireFileLock(`${file}.lock`, file, options.lockTimeout);
      try {
        await removeLeftoverTempFiles(file);
        return await readImage(file);
      } catch (error) {
        await lock.release();
        throw error;
      }
    },
    async commit(change) {
      try {
        await replaceFileAtomically(file, change.snapshot());
      } catch (cause) {
        throw new StorageError(`Cannot write the database ${file}: ${errorMessage(cause)}`, {
          cause,
          location: file,
        });
      }
    },
    // Every commit is already in the file: nothing is left to flush.
    async close() {
      await lock?.release();
    },
  };
}

async function readImage(file: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (cause) {
    if (errorCode(cause) === "ENOENT") return null;
    throw new StorageError(`Cannot read the database ${file}: ${errorMessage(cause)}`, {
      cause,
      location: file,
    });
  }
}

/** Temp files of writes that a crash interrupted; the lock says no writer is using them. */
async function removeLeftoverTempFiles(file: string): Promise<void> {
  const prefix = `${basename(file)}${TEMP_MARK}`;
  const folder = dirname(file);
  for (const name of await readdir(folder)) {
    if (name.startsWith(prefix)) await rm(join(folder, name), { force: true });
  }
}
