import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { SnapshotRebuilder, SnapshotRecipe } from "./snapshot-recipe.js";

/** What the worker answers: the image, or why it could not build it. */
type WorkerAnswer = { readonly image: Uint8Array } | { readonly failure: string };

/**
 * Rebuilds snapshots in a worker thread (the built `snapshot-worker.js` beside the package's
 * other modules), one worker per snapshot, ended once it answers. The recipe's bytes are
 * moved to the worker, not copied, and the image is moved back.
 *
 * @param script - The worker's script; by default the one built beside this module.
 * @returns The rebuilder, which rejects when the worker cannot start, fails, or exits
 *   early; `undefined` when there is no script (run from the sources, or bundled without
 *   it): the writer then takes its images itself.
 */
export function workerSnapshotRebuilder(
  // The CommonJS build is given an import.meta.url by the bundler.
  script: URL = new URL("./snapshot-worker.js", import.meta.url),
): SnapshotRebuilder | undefined {
  if (script.protocol !== "file:" || !existsSync(fileURLToPath(script))) return undefined;
  return (recipe) => rebuildInWorker(script, recipe);
}

function rebuildInWorker(script: URL, recipe: SnapshotRecipe): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script);
    const end = (settle: () => void) => {
      worker.removeAllListeners();
      worker.terminate().catch(() => undefined);
      settle();
    };
    worker.once("message", (answer: WorkerAnswer) =>
      end(() => ("image" in answer ? resolve(answer.image) : reject(new Error(answer.failure)))),
    );
    worker.once("error", (error) => end(() => reject(error)));
    worker.once("exit", (code) =>
      end(() => reject(new Error(`the snapshot worker exited with code ${code}`))),
    );
    const moved = [recipe.snapshot?.buffer, recipe.journal.buffer].filter(
      (buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer,
    );
    worker.postMessage(recipe, moved);
  });
}
