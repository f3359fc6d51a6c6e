import initSqlJs from "sql.js";
import { rebuildSnapshot } from "../../src/adapter/rebuilt-snapshot.js";
import type { SnapshotRebuilder } from "../../src/persistence/snapshot-recipe.js";

const engine = initSqlJs();

/**
 * Rebuilds a file target's snapshots as its worker thread does, with the same code and a
 * real sql.js, but in the calling thread: tests from `src/` reach the rebuild path this way
 * (the worker's script exists only in the build, which `test/persistence/snapshot-rebuild`
 * starts for real).
 */
export const rebuildInThisThread: SnapshotRebuilder = async (recipe) =>
  rebuildSnapshot(await engine, recipe);
