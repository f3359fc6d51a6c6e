import { errorCode } from "../errors/negotiation-error.js";
import type { FileSystem } from "../persistence/file-system.js";

/** A file system that notes what its reads of some files found: see {@link observeReads}. */
export interface ObservedFileSystem {
  /** The file system to give the persistence. */
  readonly fs: FileSystem;
  /**
   * What each read of a watched file found, oldest first: its bytes, or `null` when it was
   * not there. Empty when it was never read.
   *
   * @param path - A watched file (absolute).
   * @returns The reads.
   */
  reads(path: string): readonly (Uint8Array | null)[];
}

/**
 * Wraps a file system so that a command sees what a persistence read, as it read it (whole,
 * or through a descriptor opened to read, noted when it is closed): the
 * journal and database bytes a read-only open replayed, or those a writer found once it held
 * the lock. Files in `emptied` read as empty, so that a database can be opened through the
 * same protocol without its journal's records.
 *
 * @param base - The file system read.
 * @param watched - The files whose reads are noted (absolute paths).
 * @param emptied - Files that read as empty, whatever they hold.
 * @returns The wrapped file system and its notes.
 * @example
 * const { fs, reads } = observeReads(nodeFileSystem, [journalFile]);
 * await openSqlJsAdapter({ persistence: filePersistence(file, { readOnly: true, fileSystem: fs }) });
 * const journal = reads(journalFile).at(-1); // what the open replayed
 */
export function observeReads(
  base: FileSystem,
  watched: readonly string[],
  emptied: readonly string[] = [],
): ObservedFileSystem {
  const found = new Map<string, (Uint8Array | null)[]>(watched.map((path) => [path, []]));
  /** Watched files open for reading through a descriptor, and what was read of each so far. */
  const reading = new Map<number, { readonly path: string; bytes: Uint8Array }>();
  const fs: FileSystem = {
    ...base,
    async open(path, flags) {
      const reads = flags === "r" ? found.get(path) : undefined;
      try {
        const fd = await base.open(path, flags);
        if (reads) reading.set(fd, { path, bytes: new Uint8Array() });
        return fd;
      } catch (error) {
        if (errorCode(error) === "ENOENT") reads?.push(null);
        throw error;
      }
    },
    async read(fd, into, position) {
      const count = await base.read(fd, into, position);
      const file = reading.get(fd);
      if (file && count > 0) {
        const end = position + count;
        if (end > file.bytes.length) {
          const longer = new Uint8Array(end);
          longer.set(file.bytes);
          file.bytes = longer;
        }
        file.bytes.set(into.subarray(0, count), position);
      }
      return count;
    },
    async close(fd) {
      const file = reading.get(fd);
      reading.delete(fd);
      if (file) found.get(file.path)?.push(file.bytes);
      return base.close(fd);
    },
    async readFile(path) {
      const reads = found.get(path);
      if (emptied.includes(path)) {
        const empty = new Uint8Array();
        reads?.push(empty);
        return empty;
      }
      try {
        const bytes = await base.readFile(path);
        reads?.push(bytes);
        return bytes;
      } catch (error) {
        if (errorCode(error) === "ENOENT") reads?.push(null);
        throw error;
      }
    },
  };
  return { fs, reads: (path) => found.get(path) ?? [] };
}
