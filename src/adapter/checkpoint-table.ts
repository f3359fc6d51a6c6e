import type { SqlJsDatabase } from "./sql-js-engine.js";

/**
 * The table in which a snapshot records the last journal entry it holds, so that entries
 * already in it are skipped on replay. It is the adapter's, not the store's.
 *
 * @internal
 */
export const CHECKPOINT_TABLE = "sqljs_checkpoint";

/**
 * Reads the sequence of the last journal entry a database holds.
 *
 * @param db - A database loaded from a snapshot (or a new one).
 * @returns That sequence; 0 for a database no checkpoint wrote (a plain SQLite file).
 * @throws What SQLite throws when the database cannot be read.
 */
export function readCheckpointSequence(db: SqlJsDatabase): number {
  const lookup = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?");
  let exists: boolean;
  try {
    lookup.bind([CHECKPOINT_TABLE]);
    exists = lookup.step();
  } finally {
    lookup.free();
  }
  if (!exists) return 0;
  const read = db.prepare(`SELECT max(sequence) AS sequence FROM ${CHECKPOINT_TABLE}`);
  try {
    read.step();
    const [sequence] = read.get();
    return Number(sequence ?? 0);
  } finally {
    read.free();
  }
}

/**
 * Records `sequence` in the database as the last entry it holds, and writes it out.
 *
 * @param db - The live database, holding every entry up to `sequence`.
 * @param sequence - The last entry it holds.
 * @param fileFormat - The stored file's format versions (header bytes 18–19), written back
 *   over the engine's: 2 and 2 mean WAL mode, which another program's file keeps.
 * @returns The whole SQLite image, for the persistence target's `checkpoint`.
 */
export function checkpointImage(
  db: SqlJsDatabase,
  sequence: number,
  fileFormat: Uint8Array | undefined,
): Uint8Array {
  db.exec(`CREATE TABLE IF NOT EXISTS ${CHECKPOINT_TABLE} (sequence INTEGER NOT NULL)`);
  db.exec(`DELETE FROM ${CHECKPOINT_TABLE}`);
  db.run(`INSERT INTO ${CHECKPOINT_TABLE} (sequence) VALUES (?)`, [sequence]);
  const image = db.export();
  // The engine runs without a WAL; a file that another program keeps in WAL mode stays so.
  if (fileFormat) image.set(fileFormat, 18);
  return image;
}
