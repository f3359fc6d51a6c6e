import { until } from "./until.js";

/** One worker started while {@link countWorkers} watched: when it started and ended. */
export interface WorkerRun {
  readonly script: string;
  readonly started: number;
  ended?: number;
}

/**
 * Replaces this realm's `Worker` with one that records each worker's start and end
 * (`terminate()`), as `performance.now()` times, until the returned `restore` is called.
 *
 * @returns The runs, in the order they started, and `restore`.
 */
export function countWorkers(): { runs: WorkerRun[]; restore: () => void } {
  const runs: WorkerRun[] = [];
  const Platform = globalThis.Worker;
  class CountedWorker extends Platform {
    readonly #run: WorkerRun;

    constructor(script: string | URL, options?: WorkerOptions) {
      super(script, options);
      this.#run = { script: String(script), started: performance.now() };
      runs.push(this.#run);
    }

    override terminate(): void {
      this.#run.ended ??= performance.now();
      super.terminate();
    }
  }
  globalThis.Worker = CountedWorker;
  const restore = () => {
    globalThis.Worker = Platform;
  };
  return { runs, restore };
}

/** Resolves once every run has ended, or rejects after `ms`. */
export function allEnded(runs: readonly WorkerRun[], ms = 20_000): Promise<void> {
  return until(() => runs.every((run) => run.ended !== undefined), {
    ms,
    everyMs: 10,
    what: "every worker's end",
  });
}

/**
 * Runs `body` while {@link countWorkers} watches, with the runs so far; restores `Worker`
 * after, whatever `body` does.
 */
export async function withCountedWorkers<T>(body: (runs: WorkerRun[]) => Promise<T>): Promise<T> {
  const { runs, restore } = countWorkers();
  try {
    return await body(runs);
  } finally {
    restore();
  }
}
