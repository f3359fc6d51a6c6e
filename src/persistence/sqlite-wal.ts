// SQLite's write-ahead log format: https://www.sqlite.org/fileformat2.html#walformat

const HEADER_SIZE = 32;
const FRAME_HEADER_SIZE = 24;
const MAGIC_LITTLE_ENDIAN_CHECKSUMS = 0x377f0682;
const MAGIC_BIG_ENDIAN_CHECKSUMS = 0x377f0683;
const FORMAT_VERSION = 3007000;
const MIN_PAGE_SIZE = 512;
const MAX_PAGE_SIZE = 65536;

/** What a WAL holds that counts: the committed frames, latest version of each page. */
export interface CommittedWal {
  /** The page size the WAL's header states, in bytes (a power of two, 512 to 65536). */
  readonly pageSize: number;
  /** The database's size in pages after the last valid commit; 0 when no frame is committed. */
  readonly databasePages: number;
  /**
   * Latest committed content of each page, by page number (1-based), in ascending page
   * order. Only pages within `databasePages` are present. Each value is `pageSize` bytes.
   * From `readCommittedWal`, each value is a view into the WAL bytes it was given (no copy):
   * changing those bytes changes these pages.
   */
  readonly pages: ReadonlyMap<number, Uint8Array>;
  /** How many frames count (up to and including the last valid commit frame). */
  readonly committedFrames: number;
  /** The header's checkpoint sequence and salts: they change whenever SQLite restarts the WAL. */
  readonly checkpointSequence: number;
  /** The header's salt-1, as an unsigned 32-bit integer. */
  readonly salt1: number;
  /** The header's salt-2, as an unsigned 32-bit integer. */
  readonly salt2: number;
}

/**
 * Reads a WAL file's bytes. Returns null when it holds no committed frame (empty file,
 * header only, bad magic/header checksum, unsupported version, or every frame
 * invalid/uncommitted) — the same as SQLite, which ignores such a WAL. Never throws for
 * damaged content: SQLite's rule is that frames count only up to the last valid commit
 * frame before the first invalid frame.
 *
 * A frame is valid when its page number is not 0, its salts equal the header's, and its
 * checksum equals the running checksum (from the header's) over its first 8 header bytes
 * and its page data, with 32-bit words in the byte order the magic number selects. A
 * partial frame at the end of the file is ignored, as SQLite ignores it. One difference
 * from SQLite: where SQLite refuses to open a database whose WAL has a valid header of an
 * unknown format version (`SQLITE_CANTOPEN`), this returns null. A page size that is not
 * a power of two from 512 to 65536 also gives null, as SQLite then ignores the WAL.
 *
 * Runs in one pass over the bytes, reading 32-bit words with a `DataView`; the pages it
 * returns are views into `wal`, not copies, so keep `wal` unchanged while using them.
 *
 * @param wal - The whole content of `<db>-wal`.
 * @returns The committed content, or null when nothing in the WAL counts.
 * @example
 * ```ts
 * const wal = readCommittedWal(await readFile(`${path}-wal`));
 * const image = wal ? applyWal(await readFile(path), wal) : await readFile(path);
 * ```
 */
export function readCommittedWal(wal: Uint8Array): CommittedWal | null {
  if (wal.length < HEADER_SIZE) return null;
  const view = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const magic = view.getUint32(0);
  if (magic !== MAGIC_LITTLE_ENDIAN_CHECKSUMS && magic !== MAGIC_BIG_ENDIAN_CHECKSUMS) {
    return null;
  }
  const littleEndian = magic === MAGIC_LITTLE_ENDIAN_CHECKSUMS;
  const pageSize = view.getUint32(8);
  if (pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE || (pageSize & (pageSize - 1)) !== 0) {
    return null;
  }
  const sums = new Int32Array(2);
  addChecksum(view, 0, 24, littleEndian, sums);
  if (sums[0] !== view.getInt32(24) || sums[1] !== view.getInt32(28)) return null;
  if (view.getUint32(4) !== FORMAT_VERSION) return null;

  const salt1 = view.getUint32(16);
  const salt2 = view.getUint32(20);
  const frameSize = FRAME_HEADER_SIZE + pageSize;
  const frameCount = Math.floor((wal.length - HEADER_SIZE) / frameSize);
  let committedFrames = 0;
  let databasePages = 0;
  for (let frame = 0; frame < frameCount; frame++) {
    const at = HEADER_SIZE + frame * frameSize;
    if (
      view.getUint32(at) === 0 ||
      view.getUint32(at + 8) !== salt1 ||
      view.getUint32(at + 12) !== salt2
    ) {
      break;
    }
    addChecksum(view, at, at + 8, littleEndian, sums);
    addChecksum(view, at + FRAME_HEADER_SIZE, at + frameSize, littleEndian, sums);
    if (sums[0] !== view.getInt32(at + 16) || sums[1] !== view.getInt32(at + 20)) break;
    const pagesAfterCommit = view.getUint32(at + 4);
    if (pagesAfterCommit !== 0) {
      committedFrames = frame + 1;
      databasePages = pagesAfterCommit;
    }
  }
  if (committedFrames === 0) return null;

  // The last committed frame of a page wins; pages past the final size are not in the
  // database (a later commit truncated it), so SQLite never reads them.
  const latestFrame = new Map<number, number>();
  for (let frame = 0; frame < committedFrames; frame++) {
    const page = view.getUint32(HEADER_SIZE + frame * frameSize);
    if (page <= databasePages) latestFrame.set(page, frame);
  }
  const pages = new Map<number, Uint8Array>();
  for (const page of [...latestFrame.keys()].sort((a, b) => a - b)) {
    const start = HEADER_SIZE + (latestFrame.get(page) as number) * frameSize + FRAME_HEADER_SIZE;
    pages.set(page, wal.subarray(start, start + pageSize));
  }
  return {
    pageSize,
    databasePages,
    pages,
    committedFrames,
    checkpointSequence: view.getUint32(12),
    salt1,
    salt2,
  };
}

/**
 * A copy of `database` (may be null/empty when the db file does not exist or is empty)
 * with the WAL's pages written over it, truncated or extended to `databasePages` pages.
 *
 * Bytes neither the database nor the WAL holds (a database file shorter than the
 * committed size) are zero, which is what SQLite reads there. The result is the image
 * SQLite itself sees, and what a full checkpoint would leave in `<db>`: page 1 keeps the
 * WAL-mode read/write versions (bytes 18–19 equal 2). When `wal.databasePages` is 0
 * (nothing committed), the result is a plain copy of `database`. Neither argument is
 * changed.
 *
 * Note that SQLite itself deletes and ignores a WAL whose database file is missing or
 * empty (0 bytes), and then sees an empty database; applying the WAL in that case builds
 * what the WAL committed instead, so whether to do so is the caller's decision.
 *
 * @param database - The bytes of `<db>`, or null when the file does not exist.
 * @param wal - What `readCommittedWal` read from `<db>-wal`.
 * @returns A new array of `wal.databasePages * wal.pageSize` bytes.
 * @example
 * ```ts
 * const committed = readCommittedWal(walBytes);
 * const image = committed ? applyWal(databaseBytes, committed) : databaseBytes;
 * const db = new SQL.Database(image);
 * ```
 */
export function applyWal(database: Uint8Array | null, wal: CommittedWal): Uint8Array {
  const original = database ?? new Uint8Array(0);
  // new Uint8Array(...) copies; a Node Buffer's slice() would share memory instead.
  if (wal.databasePages === 0) return new Uint8Array(original);
  const size = wal.databasePages * wal.pageSize;
  const image = new Uint8Array(size);
  image.set(original.length > size ? original.subarray(0, size) : original);
  for (const [page, data] of wal.pages) {
    if (page < 1 || page > wal.databasePages) continue;
    image.set(data.subarray(0, wal.pageSize), (page - 1) * wal.pageSize);
  }
  return image;
}

/**
 * Continues SQLite's WAL checksum over the 32-bit words of `view` from `start` to `end` (a
 * multiple of 8 bytes apart), updating `sums` in place. `Int32Array` storage and `| 0`
 * keep the arithmetic modulo 2^32 as SQLite's u32 sums are.
 */
function addChecksum(
  view: DataView,
  start: number,
  end: number,
  littleEndian: boolean,
  sums: Int32Array,
): void {
  let s0 = sums[0] as number;
  let s1 = sums[1] as number;
  for (let at = start; at < end; at += 8) {
    s0 = (s0 + view.getUint32(at, littleEndian) + s1) | 0;
    s1 = (s1 + view.getUint32(at + 4, littleEndian) + s0) | 0;
  }
  sums[0] = s0;
  sums[1] = s1;
}
