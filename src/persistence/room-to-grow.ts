import { isWholeDatabase, roomToGrow } from "./database-room.js";
import { type FileSystem, openToReadIfPresent } from "./file-system.js";
import { storageFailure } from "./storage-failure.js";

/**
 * Reads a SQLite database file into an array with room to grow after its bytes (zeros, see
 * `roomToGrow`), so that new rows after an open do not copy the database. The room is given
 * only when the file is a whole database by its header (`isWholeDatabase`); otherwise the
 * bytes come back as they are.
 *
 * @param fs - The file system.
 * @param path - The database file.
 * @returns Its bytes, perhaps followed by zeros; `null` when there is no file.
 * @throws `StorageError` naming the file when it exists but cannot be read.
 */
export async function readDatabaseWithRoom(
  fs: FileSystem,
  path: string,
): Promise<Uint8Array | null> {
  const fd = await openToReadIfPresent(fs, path);
  if (fd === null) return null;
  let bytes: Uint8Array;
  try {
    bytes = await readWithRoom(fs, fd, path);
  } catch (cause) {
    await fs.close(fd).catch(() => undefined);
    throw storageFailure("read", path, cause);
  }
  try {
    await fs.close(fd);
  } catch (cause) {
    throw storageFailure("read", path, cause);
  }
  return bytes;
}

async function readWithRoom(fs: FileSystem, fd: number, path: string): Promise<Uint8Array> {
  const { size } = await fs.stat(path);
  const bytes = new Uint8Array(size + roomToGrow(size));
  let read = 0;
  for (let count = 1; count > 0 && read < bytes.length; read += count) {
    count = await fs.read(fd, bytes.subarray(read), read);
  }
  // A file that grew into the room meanwhile is read again whole.
  if (read === bytes.length) return fs.readFile(path);
  return read === size && isWholeDatabase(bytes, size) ? bytes : bytes.subarray(0, read);
}
