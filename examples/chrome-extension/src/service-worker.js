// The extension's service worker: the writer of the negotiation store (SQLite in IndexedDB)
// while it lives, and the answerer of messages from contexts that cannot open the store
// themselves (a content script runs in a web page's origin). The assistant page and the
// side panel open the same store and forward their calls to it. Chrome stops the worker
// after 30 s without events and starts it again on the next one, so nothing here may live
// only in memory: every change is saved (durably) before it is answered, and the store is
// reopened on the first event, as the writer, or forwarding to the page that took over.
import { openNegotiationStore } from "negotiation-state";
import { indexedDbPersistence } from "negotiation-state/indexeddb";
import { advanceThread, fromMessage, list, seed, storeOptions } from "./negotiation-steps.js";

// Which run of the worker answers, so a restart can be seen from outside (`status`).
const startedAt = new Date().toISOString();
let messagesHandled = 0;

let storePromise;

function openStore() {
  storePromise ??= openNegotiationStore(storeOptions(indexedDbPersistence)).catch((error) => {
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
    case "open":
      return null;
    case "list":
      return list(store);
    case "seed":
      await seed(store);
      return list(store);
    case "save":
      await store.save(fromMessage(message.negotiation));
      return list(store);
    case "advance":
      return advanceThread(store, message.threadId);
    default:
      throw new Error(`Unknown message type ${JSON.stringify(message?.type)}`);
  }
}

function describeError(error) {
  return {
    name: error?.name ?? "Error",
    code: error?.code ?? null,
    message: error?.message ?? String(error),
  };
}
