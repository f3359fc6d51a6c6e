import { CorruptDatabaseError } from "../persistence/errors.js";
import { decodeJournal } from "../persistence/journal-codec.js";
import type { SnapshotRecipe } from "../persistence/snapshot-recipe.js";
import { checkpointImage } from "./checkpoint-table.js";
import { replayJournal } from "./journal-replay.js";
import type { SqlJsEngine } from "./sql-js-engine.js";

/**
 * Builds the snapshot a checkpoint writes from what a target stores, as opening would: the
 * stored snapshot with the journal's entries up to `recipe.sequence` redone, recorded as
 * holding them. The image is the one the writer's own database would export at that
 * sequence, since the writer's database is that same snapshot with those same entries.
 *
 * @param engine - The engine to rebuild it in (its own, away from the writer's).
 * @param recipe - The stored snapshot and journal, and the entry the image must end at;
 *   the snapshot's bytes are handed over to the engine.
 * @returns The whole SQLite image.
 * @throws `CorruptDatabaseError` naming `recipe.location` when what is stored cannot be
 *   replayed, or does not reach `recipe.sequence`.
 */
export function rebuildSnapshot(engine: SqlJsEngine, recipe: SnapshotRecipe): Uint8Array {
  const { entries } = decodeJournal(recipe.journal, recipe.location);
  const journal = entries.filter((entry) => entry.sequence <= recipe.sequence);
  const { db, sequence, fileFormat } = replayJournal(
    engine,
    { snapshot: recipe.snapshot, journal },
    recipe.location,
  );
  try {
    if (sequence !== recipe.sequence) {
      throw new CorruptDatabaseError(
        recipe.location,
        `its snapshot and journal hold entries up to ${sequence}, not up to ${recipe.sequence} as its writer does`,
      );
    }
    return checkpointImage(db, sequence, fileFormat);
  } finally {
    db.close();
  }
}
