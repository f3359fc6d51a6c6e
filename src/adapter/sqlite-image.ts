import { CorruptDatabaseError } from "../persistence/errors.js";

const HEADER = "SQLite format 3\0";

/**
 * Checks the bytes of a stored database before SQLite sees them: the header must be
 * SQLite's, and the file must be as long as its header says. SQLite itself would accept a
 * truncated file and fail later; this refuses it up front, naming the file.
 *
 * @param image - The stored bytes; an empty image is an empty database.
 * @param location - The file or store they came from, for the message.
 * @throws {@link CorruptDatabaseError} naming `location` and what is wrong.
 */
export function checkSqliteImage(image: Uint8Array, location: string): void {
  if (image.length === 0) return;
  if (image.length < 100 || String.fromCharCode(...image.subarray(0, 16)) !== HEADER) {
    throw new CorruptDatabaseError(location, "the SQLite header is missing");
  }
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
    throw new CorruptDatabaseError(
      location,
      `its header gives an impossible page size, ${pageSize}`,
    );
  }
  // The page count in the header is valid only when these two counters agree.
  const pageCountIsValid = view.getUint32(24) === view.getUint32(92);
  const pageCount = view.getUint32(28);
  if (pageCountIsValid && image.length < pageSize * pageCount) {
    throw new CorruptDatabaseError(
      location,
      `it is truncated: ${image.length} bytes where its header promises ${pageCount} pages of ${pageSize} bytes`,
    );
  }
}
