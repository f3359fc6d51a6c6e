import { setImmediate } from "node:timers";

/** How long synchronous appends may run back to back before the event loop gets a turn. */
const MAX_MS_WITHOUT_A_TURN = 10;

/**
 * Keeps synchronous file I/O from starving the event loop. A journal append writes and syncs
 * synchronously, so a caller that awaits saves in a loop (an import, a batch job) never
 * leaves the microtask queue: timers, sockets, and the thread-pool writes of a checkpoint
 * under way would wait until the loop ends, and the journal would grow all that time.
 * `due()` says whether the event loop has gone 10 ms without a turn, and if so gives it one.
 *
 * @internal
 */
export class EventLoopTurns {
  #lastTurn = performance.now();
  #watching = false;

  /**
   * Gives the event loop a turn when it has had none in the last 10 ms.
   *
   * @returns `undefined` when it had one (the common case, answered without a promise, as
   *   an asynchronous call on every append cost 1-3% of a save); otherwise a promise that
   *   resolves after the turn.
   */
  due(): Promise<void> | undefined {
    this.#watch();
    if (performance.now() - this.#lastTurn <= MAX_MS_WITHOUT_A_TURN) return undefined;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.#lastTurn = performance.now();
        resolve();
      }),
    );
  }

  /** Notes when the event loop next gets to its check phase. */
  #watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    setImmediate(() => {
      this.#watching = false;
      this.#lastTurn = performance.now();
    }).unref?.();
  }
}
