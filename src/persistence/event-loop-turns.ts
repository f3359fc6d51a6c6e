import { setImmediate } from "node:timers";

/** How long synchronous appends may run back to back before the event loop gets a turn. */
const MAX_MS_WITHOUT_A_TURN = 10;

/**
 * Keeps synchronous file I/O from starving the event loop. A journal append writes and syncs
 * synchronously, so a caller that awaits saves in a loop (an import, a batch job) never
 * leaves the microtask queue: timers, sockets, and the thread-pool writes of a checkpoint
 * under way would wait until the loop ends, and the journal would grow all that time.
 * `turn()` resolves at once while the event loop has had a turn in the last 10 ms, and
 * otherwise after giving it one.
 *
 * @internal
 */
export class EventLoopTurns {
  #lastTurn = performance.now();
  #watching = false;

  /** Resolves once the event loop has had a turn in the last 10 ms, giving it one if needed. */
  async turn(): Promise<void> {
    this.#watch();
    if (performance.now() - this.#lastTurn <= MAX_MS_WITHOUT_A_TURN) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.#lastTurn = performance.now();
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
