/** What the writer asks the IndexedDB checkpoint worker to do. */
export interface IndexedDbCheckpointRequest {
  /** The IndexedDB database's name. */
  readonly name: string;
  /** The last entry the new snapshot must hold: every entry up to it is in the journal. */
  readonly sequence: number;
  /** The target's location, for messages. */
  readonly location: string;
}

/** What the worker answers: the snapshot is written, or why it is not. */
export type IndexedDbCheckpointAnswer = { readonly written: true } | { readonly failure: string };

/**
 * Writes the snapshot a request describes into the IndexedDB database, away from the
 * writer's thread.
 *
 * @throws When it cannot; the stored snapshot is then the old one, or the new one whole.
 */
export type IndexedDbSnapshotWriter = (request: IndexedDbCheckpointRequest) => Promise<void>;

/**
 * Writes snapshots in a dedicated worker, one per checkpoint, ended once it answers: the
 * package's `indexed-db-checkpoint-worker.js`, started from beside this module (the literal
 * `new URL(...)` below is what Vite and webpack 5 recognise to bundle it), or `script`.
 * The worker opens the same IndexedDB database, rebuilds the snapshot from the stored one
 * and the journal, and writes it; the writer's thread neither takes the image nor clones it.
 *
 * @param script - The worker's script, for a bundle that keeps it elsewhere.
 * @returns The writer; `undefined` where no worker can start: outside a page or dedicated
 *   worker (an extension's service worker has no `Worker`; Node, Bun and Deno keep
 *   IndexedDB shims that a worker would not share).
 */
export function workerSnapshotWriter(script?: URL): IndexedDbSnapshotWriter | undefined {
  if (!canStartWorkers()) return undefined;
  return (request) => writeInWorker(script, request);
}

function canStartWorkers(): boolean {
  const scope = globalThis as {
    Worker?: unknown;
    document?: unknown;
    DedicatedWorkerGlobalScope?: abstract new () => unknown;
  };
  if (typeof scope.Worker !== "function") return false;
  if (typeof scope.document === "object") return true;
  const dedicated = scope.DedicatedWorkerGlobalScope;
  return typeof dedicated === "function" && globalThis instanceof dedicated;
}

function writeInWorker(
  script: URL | undefined,
  request: IndexedDbCheckpointRequest,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker =
      script === undefined
        ? new Worker(new URL("./indexed-db-checkpoint-worker.js", import.meta.url), {
            type: "module",
          })
        : new Worker(script, { type: "module" });
    const end = (settle: () => void) => {
      worker.terminate();
      settle();
    };
    worker.onmessage = ({ data }: MessageEvent<IndexedDbCheckpointAnswer>) =>
      end(() => ("written" in data ? resolve() : reject(new Error(data.failure))));
    worker.onerror = (event) => {
      // An ErrorEvent of a script that did not load carries no message of its own.
      event.preventDefault();
      end(() => reject(new Error(event.message || "the checkpoint worker could not start")));
    };
    worker.onmessageerror = () =>
      end(() => reject(new Error("the checkpoint worker's answer could not be read")));
    worker.postMessage(request);
  });
}
