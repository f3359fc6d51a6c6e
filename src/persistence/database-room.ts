const MIB = 1024 * 1024;
/** A multiple of every page size SQLite allows, so the room is whole pages. */
const ROOM_UNIT = 64 * 1024;

/**
 * How much room to leave after a database image in memory: half its size, 1 to 512 MiB,
 * in whole 64 KiB. sql.js keeps the database in an in-memory file that grows by copying
 * itself whole (an eighth bigger each time), so without room the first new page after an
 * open copies the database (120 ms at 200 MB); with it, the first thousands of new rows
 * are written into the room. The room costs no memory until it is written: its zeros are
 * pages the system has not given yet.
 *
 * @param size - The image's length in bytes.
 * @returns The room, in bytes.
 */
export function roomToGrow(size: number): number {
  return Math.ceil(Math.min(Math.max(size / 2, MIB), 512 * MIB) / ROOM_UNIT) * ROOM_UNIT;
}

/**
 * Whether the first `size` bytes of `bytes` are a whole database by its header: the header
 * says how many pages it has, and they take exactly `size` bytes. SQLite then ignores what
 * follows them, and exports only them, so room may follow.
 *
 * @param bytes - An image, perhaps followed by more bytes.
 * @param size - Where the image ends.
 */
export function isWholeDatabase(bytes: Uint8Array, size: number): boolean {
  if (size < 100) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 100);
  // The page count is valid only when these two counters agree, and is never 0 then.
  if (view.getUint32(24) !== view.getUint32(92) || view.getUint32(28) === 0) return false;
  const rawPageSize = view.getUint16(16);
  return (rawPageSize === 1 ? 65536 : rawPageSize) * view.getUint32(28) === size;
}

/**
 * A copy of a database image, followed by room to grow ({@link roomToGrow}) when it is a
 * whole database by its header ({@link isWholeDatabase}).
 *
 * @param image - The image.
 * @returns A new array.
 */
export function copyWithRoomToGrow(image: Uint8Array): Uint8Array {
  if (!isWholeDatabase(image, image.length)) return image.slice();
  const copy = new Uint8Array(image.length + roomToGrow(image.length));
  copy.set(image);
  return copy;
}
