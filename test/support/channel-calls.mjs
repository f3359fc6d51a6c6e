// The calls other contexts send over an IndexedDB store's channel, counted by listening as
// one more context would: what shows whether calls between tabs took a direct line. Used by
// the tabs' test page (writer-page.js) and the browser bench's page; the bundler tests'
// page keeps a copy, as it is copied into a project of its own.

/**
 * Listens on the channel of `indexedDbPersistence(name)` from now on.
 *
 * @param {string} name - The IndexedDB database's name.
 * @returns {{ take(): number; close(): void }} `take` gives the calls seen since the last
 *   `take` (or since the start); `close` stops listening.
 */
export function countChannelCalls(name) {
  const channel = new BroadcastChannel(`negotiation-state:indexeddb:${name}`);
  let seen = 0;
  channel.onmessage = ({ data }) => {
    if (data.kind === "call") seen += 1;
  };
  return {
    take() {
      const taken = seen;
      seen = 0;
      return taken;
    },
    close: () => channel.close(),
  };
}
