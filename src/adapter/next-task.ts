/**
 * Resolves in a later task of the event loop, after every pending promise callback has
 * run: concurrent calls that are chained on promises all get their turn first.
 *
 * @returns A promise that resolves in the next macrotask.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { setImmediate } = globalThis as { setImmediate?: (callback: () => void) => void };
    if (setImmediate) return setImmediate(resolve);
    // Browsers: a message is a macrotask without setTimeout's clamping.
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}
