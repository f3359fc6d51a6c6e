/**
 * Runs asynchronous tasks one at a time, in the order they are handed in: a task starts once
 * every task handed in before it has settled. A task that fails does not stop the ones after
 * it; its rejection goes to whoever handed it in.
 *
 * @example
 * const queue = new SerialQueue();
 * const first = queue.run(async () => slowWork());
 * const second = queue.run(async () => quickWork()); // starts once slowWork has settled
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * Runs `task` after every task handed in before it.
   *
   * @typeParam T - What `task` resolves to.
   * @param task - The work.
   * @returns What `task` returned, or its rejection.
   */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Waits for the tasks handed in so far, without queueing anything: work chained on it runs
   * after them, beside (not before) tasks handed in later.
   *
   * @returns A promise that resolves, never rejects, once those tasks have settled.
   */
  settled(): Promise<unknown> {
    return this.#tail;
  }
}
