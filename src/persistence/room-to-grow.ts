import { type FileSystem, openToReadIfPresent } from "./file-system.js";
import { storageFailure } from "./storage-failure.js";

const MIB = 1024 * 1024;
/** A multiple of every page size SQLite allows, so the room is whole pages. */
const ROOM_UNIT = 64 * 1024;

/**
 * Reads a SQLite database file into an array with room to grow after its bytes: zeros,
 * an eighth of its size (1 to 64 MiB). The engine keeps the database in an in-memory file
 * that grows by copying itself whole (an eighth bigger each time), so without the room the
 * first new page after an open copies the database (120 ms at 200 MB); with it, the first
 * thousands of new rows are written into the room. The room costs no memory until it is
 * written: the zeros are pages the system has not given yet. It is given only when the
 * file's header says how many pages the database has (SQLite then ignores what follows
 * them, and exports only them) and the file is exactly that long; otherwise the bytes come
 * back as they are.
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
  const room = Math.ceil(Math.min(Math.max(size / 2, MIB), 512 * MIB) / ROOM_UNIT) * ROOM_UNIT;
  const bytes = new Uint8Array(size + room);
  let read = 0;
  for (let count = 1; count > 0 && read < bytes.length; read += count) {
    count = await fs.read(fd, bytes.subarray(read), read);
  }
  // A file that grew into the room meanwhile is read again whole.
  if (read === bytes.length) return fs.readFile(path);
  return read === size && headerPageBytes(bytes) === size ? bytes : bytes.subarray(0, read);
}

/** How long the header says the database is, or `undefined` when it does not say. */
function headerPageBytes(bytes: Uint8Array): number | undefined {
  if (bytes.length < 100) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 100);
  // The page count is valid only when these two counters agree, and is never 0 then.
  if (view.getUint32(24) !== view.getUint32(92) || view.getUint32(28) === 0) return undefined;
  const rawPageSize = view.getUint16(16);
  return (rawPageSize === 1 ? 65536 : rawPageSize) * view.getUint32(28);
}
