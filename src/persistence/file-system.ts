import * as fs from "node:fs/promises";

/**
 * The file-system calls the file target makes: a subset of `node:fs/promises`, which Node,
 * Deno and Bun all provide. Tests pass a wrapper to inject faults at any call.
 */
export interface FileSystem {
  open(path: string, flags: string): Promise<FileHandle>;
  readFile(path: string): Promise<Uint8Array>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  readdir(path: string): Promise<string[]>;
}

/** The calls made on an open file: a subset of `node:fs/promises`' `FileHandle`. */
export interface FileHandle {
  write(
    data: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/** The real file system, `node:fs/promises`. */
export const nodeFileSystem: FileSystem = fs;

/**
 * Writes all of `data` at `position` (or at the end, for a file opened to append), going
 * on after short writes.
 *
 * @throws The file system's error.
 */
export async function writeAll(
  handle: FileHandle,
  data: Uint8Array,
  position: number | null,
): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const at = position === null ? null : position + written;
    const { bytesWritten } = await handle.write(data, written, data.length - written, at);
    if (bytesWritten <= 0)
      throw new Error(`a write made no progress after ${written} of ${data.length} bytes`);
    written += bytesWritten;
  }
}
