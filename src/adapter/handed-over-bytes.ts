import type { SqlJsDatabase, SqlJsEngine } from "./sql-js-engine.js";

/**
 * Opens a database in `engine` from bytes the caller gives up, without a second copy of
 * them while it opens. sql.js puts the bytes in its in-memory file by taking a `slice` of
 * the whole array; during this call that slice is the array itself, so a 200 MB database
 * holds 200 MB as it opens, not 400. Any other engine, or a sql.js that copies in another
 * way, still gets a correct array, and a copy.
 *
 * @param engine - The engine to open the database in.
 * @param bytes - A SQLite image that nothing else holds: the engine may keep it as its
 *   in-memory file and write to it, so the caller must not read or write it afterwards.
 * @returns The open database.
 */
export function openHandingOver(engine: SqlJsEngine, bytes: Uint8Array): SqlJsDatabase {
  const whole = bytes.length;
  Object.defineProperty(bytes, "slice", {
    configurable: true,
    writable: true,
    value(this: Uint8Array, start?: number, end?: number): Uint8Array {
      return this === bytes && start === 0 && end === whole
        ? this
        : Uint8Array.prototype.slice.call(this, start, end);
    },
  });
  try {
    return new engine.Database(bytes);
  } finally {
    // Back to a plain array, so that the engine's later reads of its file take V8's fast paths.
    Reflect.deleteProperty(bytes, "slice");
  }
}
