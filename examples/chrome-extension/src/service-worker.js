// The extension's service worker: it owns the negotiation store (SQLite in IndexedDB) and
// answers the assistant page's messages. Chrome stops it after 30 s without events and
// starts it again on the next one, so nothing here may live only in memory: every change
// is saved (durably) before it is answered, and the store is reopened on the first event.
import { openNegotiationStore } from "negotiation-state";
import { indexedDbPersistence } from "negotiation-state/indexeddb";
import { advance, demoNegotiations, fromMessage, summarize } from "./negotiation-steps.js";

// Which run of the worker answers, so a restart can be seen from outside (`status`).
const startedAt = new Date().toISOString();
let messagesHandled = 0;

let storePromise;

function openStore() {
  storePromise ??= openNegotiationStore({
    // Chrome frees a stopped worker's lock as it ends it: wait, rather than fail, should the
    // next worker start before that is done.
    persistence: indexedDbPersistence("negotiations", { lockTimeout: 5000 }),
    sqlJs: { locateFile: () => chrome.runtime.getURL("sql-wasm.wasm") },
  }).catch((error) => {
    // The next event tries again rather than keep a failed open for the worker's life.
    storePromise = undefined;
    throw error;
  });
  return storePromise;
}

// Listeners are registered synchronously at the top level: Chrome only delivers the event
// that wakes a stopped worker to listeners that exist when its script has run.
chrome.runtime.onInstalled.addListener(() => {
  // Opening creates the database now, so a WASM or storage problem shows at install time.
  openStore().catch((error) => console.error("Cannot open the negotiation store:", error));
});

chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  messagesHandled += 1;
  handle(message).then(
    (result) => sendResponse({ ok: true, result }),
    (error) => sendResponse({ ok: false, error: describeError(error) }),
  );
  // Keeps the channel open until sendResponse is called.
  return true;
});

async function handle(message) {
  if (message?.type === "status") return { startedAt, messagesHandled };
  const store = await openStore();
  switch (message?.type) {
    case "list":
      return list(store);
    case "seed":
      await store.transaction(async (tx) => {
        if ((await tx.loadActive()).length > 0) return;
        for (const negotiation of demoNegotiations()) await tx.save(negotiation);
      });
      return list(store);
    case "save":
      await store.save(fromMessage(message.negotiation));
      return list(store);
    case "advance":
      // Read and write in one transaction, so that two clicks at once cannot both start
      // from the same rows and one overwrite the other's tracker.
      return store.transaction(async (tx) => {
        const active = await tx.restoreActive();
        const negotiation = active.find(({ threadId }) => threadId === message.threadId);
        if (negotiation === undefined) {
          throw new Error(
            `No unfinished negotiation on thread ${JSON.stringify(message.threadId)}`,
          );
        }
        const changed = advance(negotiation, active);
        for (const each of changed) await tx.save(each);
        return summarize(changed[0]);
      });
    default:
      throw new Error(`Unknown message type ${JSON.stringify(message?.type)}`);
  }
}

async function list(store) {
  return (await store.restoreActive()).map(summarize);
}

function describeError(error) {
  return {
    name: error?.name ?? "Error",
    code: error?.code ?? null,
    message: error?.message ?? String(error),
  };
}
