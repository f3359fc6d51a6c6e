import type { SqlJsDatabase, SqlJsEngine } from "./sql-js-engine.js";

/**
 * Opens a database in `engine` from bytes the caller gives up, without a second copy of
 * them while it opens. sql.js puts the bytes in its in-memory file by taking a `slice` of
 * the whole array; here it is given a view of them whose whole slice is the array itself,
 * so a 200 MB database holds 200 MB as it opens, not 400. Any other engine, or a sql.js
 * that copies in another way, still gets a correct array, and a copy.
 *
 * @param engine - The engine to open the database in.
 * @param bytes - A SQLite image that nothing else holds: the engine may keep it as its
 *   in-memory file and write to it, so the caller must not read or write it afterwards.
 * @returns The open database.
 */
export function openHandingOver(engine: SqlJsEngine, bytes: Uint8Array): SqlJsDatabase {
  // The view, not the array, gets the odd method: the array the engine keeps stays a
  // plain one, which V8 reads on its fast paths.
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  Object.defineProperty(view, "slice", {
    value(this: Uint8Array, start?: number, end?: number): Uint8Array {
      return start === 0 && end === bytes.length
        ? bytes
        : Uint8Array.prototype.slice.call(this, start, end);
    },
  });
  return new engine.Database(view);
}
