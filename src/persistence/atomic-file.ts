import { dirname } from "node:path";
import process from "node:process";
import { type FileSystem, writeAll } from "./file-system.js";

/** What names the temp files of {@link replaceFileAtomically}: `<path><mark><uuid>`. */
export const TEMP_MARK = ".tmp-";

/**
 * Replaces a file so that a crash at any moment leaves either the old bytes or the new
 * ones: write a temp file in the same folder, fsync it, rename it over the target, fsync
 * the folder. Resolves once the new bytes are durable.
 *
 * @param fs - The file system.
 * @param path - The file to replace.
 * @param bytes - Its new content.
 * @param beforeRename - Runs once the new bytes are durable under the temp name (it gets
 *   that name), just before they take the target's place; what it throws stops the
 *   replacement.
 * @throws The file system's error, or what `beforeRename` threw; the target is then
 *   unchanged and the temp file removed.
 */
export async function replaceFileAtomically(
  fs: FileSystem,
  path: string,
  bytes: Uint8Array,
  beforeRename?: (temp: string) => Promise<void>,
): Promise<void> {
  const temp = `${path}${TEMP_MARK}${crypto.randomUUID()}`;
  try {
    const fd = await fs.open(temp, "w");
    try {
      await writeAll(fs, fd, bytes, 0);
      await fs.fsync(fd);
    } finally {
      await fs.close(fd);
    }
    await beforeRename?.(temp);
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(fs, dirname(path));
}

/**
 * Makes the entries of a folder (a rename, a new file) durable.
 *
 * @param fs - The file system.
 * @param path - The folder.
 */
export async function syncDirectory(fs: FileSystem, path: string): Promise<void> {
  // Windows cannot open a folder for fsync; its renames are durable without it.
  if (process.platform === "win32") return;
  const fd = await fs.open(path, "r");
  try {
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
}

/**
 * A replacement of a file written in two parts, as {@link replaceFileAtomically} writes one:
 * most of its bytes ahead of time, outside whatever the caller holds, and the rest at the
 * end, which then takes the target's place.
 */
export interface FileReplacement {
  /**
   * Writes `tail` after the bytes written ahead, syncs, and renames the temp file over the
   * target, durably.
   *
   * @throws The file system's error; the target is then unchanged and the temp file removed.
   */
  finish(tail: Uint8Array): Promise<void>;
  /** Removes the temp file; the target is unchanged. Never throws. */
  discard(): Promise<void>;
}

/**
 * Begins a {@link FileReplacement}: writes `head` to a temp file beside `path` and pushes
 * its data to the disk, so that {@link FileReplacement.finish} syncs little.
 *
 * @param fs - The file system.
 * @param path - The file to replace.
 * @param head - The first bytes of its new content.
 * @returns The replacement, for the caller to finish or discard.
 * @throws The file system's error; nothing is left behind.
 */
export async function beginFileReplacement(
  fs: FileSystem,
  path: string,
  head: Uint8Array,
): Promise<FileReplacement> {
  const temp = `${path}${TEMP_MARK}${crypto.randomUUID()}`;
  const fd = await fs.open(temp, "w");
  let open = true;
  const discard = async () => {
    if (open) await fs.close(fd).catch(() => undefined);
    open = false;
    await fs.rm(temp, { force: true }).catch(() => undefined);
  };
  try {
    await writeAll(fs, fd, head, 0);
    await fs.fdatasync(fd);
  } catch (error) {
    await discard();
    throw error;
  }
  return {
    discard,
    async finish(tail) {
      try {
        await writeAll(fs, fd, tail, head.length);
        await fs.fsync(fd);
        open = false;
        await fs.close(fd);
        await fs.rename(temp, path);
      } catch (error) {
        await discard();
        throw error;
      }
      await syncDirectory(fs, dirname(path));
    },
  };
}
