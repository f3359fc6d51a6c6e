import { errorMessage } from "../errors/negotiation-error.js";
import { CorruptDatabaseError } from "../persistence/errors.js";
import type { JournalEntry, StoredDatabase } from "../persistence/persistence.js";
import { readCheckpointSequence } from "./checkpoint-table.js";
import { openHandingOver } from "./handed-over-bytes.js";
import type { SqlJsDatabase, SqlJsEngine } from "./sql-js-engine.js";
import { checkSqliteImage } from "./sqlite-image.js";

/** A database rebuilt from what a persistence target stored. */
export interface ReplayedDatabase {
  /** The live database: the snapshot with the journal's entries redone. */
  readonly db: SqlJsDatabase;
  /** The sequence of the last journal entry it holds. */
  readonly sequence: number;
  /** The sequence of the last entry the snapshot held (0 for a plain SQLite file). */
  readonly checkpointed: number;
  /**
   * The snapshot's format versions (header bytes 18–19), to write back over the engine's
   * at the next checkpoint; `undefined` without a snapshot.
   */
  readonly fileFormat: Uint8Array | undefined;
}

/**
 * Rebuilds a database from its snapshot and journal: checks the snapshot's bytes, hands
 * them over to the engine (they are its own from then on), and redoes, in one transaction,
 * the journal entries the snapshot does not hold. Nothing stored is changed.
 *
 * @param engine - The sql.js engine to load it in.
 * @param stored - What the persistence target's `open` read.
 * @param location - The target's location, for messages.
 * @returns The live database, for the caller to close.
 * @throws `CorruptDatabaseError` naming `location` when the snapshot is not a readable
 *   SQLite database, the journal does not continue it, or an entry cannot be redone; the
 *   database is closed then.
 */
export function replayJournal(
  engine: SqlJsEngine,
  stored: StoredDatabase,
  location: string,
): ReplayedDatabase {
  const { snapshot, journal } = stored;
  if (snapshot) checkSqliteImage(snapshot, location);
  // Read before the engine sees the bytes: it may write to them in place.
  const fileFormat =
    snapshot && snapshot.length >= 20 ? Uint8Array.from(snapshot.subarray(18, 20)) : undefined;
  const db = snapshot ? openHandingOver(engine, snapshot) : new engine.Database();
  try {
    const checkpointed = readyDatabase(db, location);
    const sequence = redo(db, journal, checkpointed, location);
    return { db, sequence, checkpointed, fileFormat };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Readies a freshly loaded database and reads the sequence of the last journal entry it
 * holds. SQLite reads the schema here first: a damaged one fails.
 */
function readyDatabase(db: SqlJsDatabase, location: string): number {
  try {
    // The database file is in memory and dies with the process: SQLite's own rollback
    // journal needs no file either, nor a sync. Durability is the persistence target's
    // journal. This connection is the file's only one: holding its lock for good spares
    // every statement the checks for another connection's changes (a look for a hot
    // journal, a read of page 1), which took about as long as the statement itself.
    db.exec("PRAGMA journal_mode = MEMORY");
    db.exec("PRAGMA synchronous = OFF");
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    return readCheckpointSequence(db);
  } catch (cause) {
    throw new CorruptDatabaseError(location, errorMessage(cause), { cause });
  }
}

/** Redoes the entries after `checkpointed`; returns the sequence of the last one now held. */
function redo(
  db: SqlJsDatabase,
  journal: readonly JournalEntry[],
  checkpointed: number,
  location: string,
): number {
  const missing = journal.filter((entry) => entry.sequence > checkpointed);
  const first = missing[0];
  if (first === undefined) return checkpointed;
  if (first.sequence !== checkpointed + 1) {
    throw new CorruptDatabaseError(
      location,
      `its journal resumes at entry ${first.sequence}, but the database holds entries up to ${checkpointed}`,
    );
  }
  db.exec("BEGIN");
  for (const entry of missing) {
    try {
      for (const { sql, params } of entry.statements) db.run(sql, params);
    } catch (cause) {
      db.exec("ROLLBACK");
      throw new CorruptDatabaseError(
        location,
        `journal entry ${entry.sequence} cannot be replayed: ${errorMessage(cause)}`,
        { cause },
      );
    }
  }
  db.exec("COMMIT");
  return (missing.at(-1) as JournalEntry).sequence;
}
