import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import { errorCode } from "../errors/negotiation-error.js";
import { storageFailure } from "./storage-failure.js";

/**
 * The file-system calls the file target makes, on file descriptors: `node:fs`, which Node,
 * Deno and Bun all provide. Tests pass a wrapper to inject faults at any call.
 */
export interface FileSystem {
  /** @returns A file descriptor. */
  open(path: string, flags: string): Promise<number>;
  /** @returns How many bytes were written; `position` `null` writes at the end of a file opened to append. */
  write(
    fd: number,
    data: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<number>;
  fsync(fd: number): Promise<void>;
  fdatasync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  close(fd: number): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  /** @returns How many bytes were read into `into`, from `position`; fewer at the end of the file. */
  read(fd: number, into: Uint8Array, position: number): Promise<number>;
  rename(from: string, to: string): Promise<void>;
  /** Makes `to` a second name of the file `from` (fails with EEXIST when `to` exists). */
  link(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  readdir(path: string): Promise<string[]>;
  /** What tells this file from another, and from itself before a change. */
  stat(path: string): Promise<FileStat>;
  /**
   * `stat`, made at once, or `null` when nothing is at `path`: for the checks of the lock
   * file and the journal after every group's sync, where an asynchronous call cost 2–3% of
   * a save.
   */
  statNow(path: string): FileStat | null;
  /**
   * Where the file open as `fd` is named now, as the system says without being asked for
   * the file's attributes: another path once it was renamed, a path ending in " (deleted)"
   * once it was deleted or replaced. `null` where the system cannot tell (without Linux's
   * `/proc`). On Linux a stat asks for the file's change time, and the next write to it must
   * then record a time of its own: checking the journal by stat after each sync made the
   * next save's sync slower, by 5% of a save.
   */
  pathOf(fd: number): string | null;
}

/**
 * Whether `now` is the file `before` was: the same device and inode.
 *
 * @param now - A stat of the path now; `null` when nothing is there.
 * @param before - A stat of the file this process created or opened.
 */
export function isSameFile(now: FileStat | null, before: FileStat | undefined): boolean {
  return now !== null && now.dev === before?.dev && now.ino === before?.ino;
}

/** What {@link FileSystem.stat} reports of a file. */
export interface FileStat {
  /** The device and inode: another file put in its place has others. */
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  /** When its content last changed, in milliseconds. */
  readonly mtimeMs: number;
}

const callback =
  <A extends unknown[], R = void>(
    call: (...args: [...A, (error: Error | null, result?: R) => void]) => void,
  ) =>
  (...args: A): Promise<R> =>
    new Promise((resolve, reject) =>
      call(...args, (error, result) => (error ? reject(error) : resolve(result as R))),
    );

/** Writes up to this long are made at once, on the calling thread; longer ones in the thread pool. */
const SYNCHRONOUS_WRITE_BYTES = 1024 * 1024;
/**
 * The most one thread-pool read or write moves. One call of 200 MB held the calling thread
 * back for 30 ms on Linux while the pages it filled were mapped in; calls of 8 MiB, 5 ms.
 */
const THREAD_POOL_CALL_BYTES = 8 * 1024 * 1024;

/**
 * The real file system. Journal writes and syncs, and stats, are synchronous: a write of a
 * record only copies into the page cache and a stat reads cached metadata, and a
 * thread-pool round trip costs more than either, or than a third of a data sync on a fast
 * disk. The adapter groups concurrent saves into one sync, so the event loop blocks once
 * per group, as briefly as a native SQLite commit would. A database image is written, and
 * fsynced, in the thread pool, 8 MiB per call: saves go on meanwhile. A read or write may
 * therefore move fewer bytes than asked; callers go on from where it stopped.
 */
export const nodeFileSystem: FileSystem = {
  open: callback<[string, string], number>(fs.open),
  write: async (fd, data, offset, length, position) => {
    if (length <= SYNCHRONOUS_WRITE_BYTES) return fs.writeSync(fd, data, offset, length, position);
    return new Promise((resolve, reject) =>
      fs.write(
        fd,
        data,
        offset,
        Math.min(length, THREAD_POOL_CALL_BYTES),
        position,
        (error, written) => (error ? reject(error) : resolve(written)),
      ),
    );
  },
  fsync: callback<[number]>(fs.fsync),
  fdatasync: async (fd) => fs.fdatasyncSync(fd),
  ftruncate: callback<[number, number]>(fs.ftruncate),
  close: callback<[number]>(fs.close),
  readFile: (path) => fsp.readFile(path),
  read: (fd, into, position) =>
    new Promise((resolve, reject) =>
      fs.read(
        fd,
        into,
        0,
        Math.min(into.length, THREAD_POOL_CALL_BYTES),
        position,
        (error, bytesRead) => (error ? reject(error) : resolve(bytesRead)),
      ),
    ),
  rename: (from, to) => fsp.rename(from, to),
  link: (from, to) => fsp.link(from, to),
  rm: (path, options) => fsp.rm(path, options),
  mkdir: (path, options) => fsp.mkdir(path, options),
  readdir: (path) => fsp.readdir(path),
  stat: async (path) => fs.statSync(path),
  statNow: (path) => fs.statSync(path, { throwIfNoEntry: false }) ?? null,
  pathOf: (fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return null;
    }
  },
};

/**
 * Writes all of `data` at `position` (or at the end, for a file opened to append), going
 * on after short writes.
 *
 * @throws The file system's error.
 */
export async function writeAll(
  fs: FileSystem,
  fd: number,
  data: Uint8Array,
  position: number | null,
): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const at = position === null ? null : position + written;
    const bytesWritten = await fs.write(fd, data, written, data.length - written, at);
    if (bytesWritten <= 0) {
      throw new Error(`a write made no progress after ${written} of ${data.length} bytes`);
    }
    written += bytesWritten;
  }
}

/**
 * Reads a whole file, or tells that there is none.
 *
 * @returns Its bytes, or `null` when it does not exist.
 * @throws `StorageError` naming the file when it exists but cannot be read.
 */
export async function readIfPresent(fs: FileSystem, path: string): Promise<Uint8Array | null> {
  try {
    return await fs.readFile(path);
  } catch (cause) {
    if (errorCode(cause) === "ENOENT") return null;
    throw storageFailure("read", path, cause);
  }
}

/**
 * Describes a file, or tells that there is none.
 *
 * @returns Its {@link FileStat}, or `null` when it does not exist.
 * @throws `StorageError` naming the file when it cannot be examined.
 */
export async function statIfPresent(fs: FileSystem, path: string): Promise<FileStat | null> {
  try {
    return await fs.stat(path);
  } catch (cause) {
    if (errorCode(cause) === "ENOENT") return null;
    throw storageFailure("examine", path, cause);
  }
}

/**
 * Opens a file to read it, or tells that there is none.
 *
 * @returns A file descriptor, or `null` when the file does not exist.
 * @throws `StorageError` naming the file when it exists but cannot be opened.
 */
export async function openToReadIfPresent(fs: FileSystem, path: string): Promise<number | null> {
  try {
    return await fs.open(path, "r");
  } catch (cause) {
    if (errorCode(cause) === "ENOENT") return null;
    throw storageFailure("read", path, cause);
  }
}
