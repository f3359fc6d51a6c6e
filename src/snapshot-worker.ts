/**
 * The worker thread that rebuilds a file target's checkpoint snapshot away from the
 * writer's thread (see `rebuildSnapshot`): it takes one {@link SnapshotRecipe}, answers
 * with the image (`{ image }`, its buffer transferred) or why it could not
 * (`{ failure }`), and ends.
 *
 * @packageDocumentation
 */
import { setPriority } from "node:os";
import process from "node:process";
import { parentPort } from "node:worker_threads";
import { rebuildSnapshot } from "./adapter/rebuilt-snapshot.js";
import { loadSqlJs } from "./adapter/sql-js-engine.js";
import { errorMessage } from "./errors/negotiation-error.js";
import type { SnapshotRecipe } from "./persistence/snapshot-recipe.js";

const port = parentPort;
port?.once("message", async (recipe: SnapshotRecipe) => {
  try {
    // On Linux a priority set for "this process" (0) applies to the calling thread only:
    // the writer's saves then take a core before this worker does. Elsewhere it may apply
    // to the whole process, so only where this holds.
    if (process.platform === "linux") setPriority(0, 19);
  } catch {}
  try {
    const image = rebuildSnapshot(await loadSqlJs(undefined), recipe);
    port.postMessage({ image }, [image.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ failure: errorMessage(error) });
  }
});
