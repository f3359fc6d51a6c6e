// The page of the insecure-context test (test/reliability/insecure-context.test.ts),
// bundled by esbuild with the built package. Loaded by a page, it exposes `window.writer`
// (its calls run in the page) and `window.inWorker(name, argument)` (the same calls, run in
// a dedicated worker started from this same script); loaded as a worker, it answers them.
// The shared-tabs test (test/reliability/shared-tabs.test.ts) drives it too.
// Each call answers plain data.
import {
  CampaignCPMTracker,
  NegotiationStateMachine,
  openNegotiationStore,
} from "negotiation-state";
import { indexedDbPersistence } from "negotiation-state/indexeddb";
import { negotiationInput } from "./negotiation-fixture.mjs";

const NAME = "writers";
let store;
/** The thread of each change this context heard, in order. */
const heard = [];

const calls = {
  /** What the context is: a secure one or not, with Web Locks or not. */
  scope: () => ({
    origin: self.location.origin,
    isSecureContext: self.isSecureContext,
    locks: typeof self.navigator.locks,
  }),
  async open() {
    try {
      store = await openNegotiationStore({ persistence: indexedDbPersistence(NAME) });
      store.subscribe(({ threadId }) => heard.push(threadId));
      return { opened: true };
    } catch (error) {
      return {
        opened: false,
        name: error.name,
        code: error.code,
        secureContext: error.secureContext,
        message: error.message,
      };
    }
  },
  async save(threadId) {
    await store.save(
      negotiationInput({ NegotiationStateMachine, CampaignCPMTracker }, threadId, {
        context: { from: self.location.origin },
      }),
    );
    return "saved";
  },
  /** Saves `<prefix>-0` to `<prefix>-<count - 1>`, all at once; each outcome: "ok" or a code. */
  saveMany([prefix, count]) {
    return Promise.all(
      Array.from({ length: count }, (_, i) =>
        calls.save(`${prefix}-${i}`).then(
          () => "ok",
          (error) => error.code ?? String(error),
        ),
      ),
    );
  },
  /** The threads of the changes this context heard, in order. */
  heard: () => heard,
  /** The threads the store holds, as this context reads them. */
  async threads() {
    return (await store.loadActive()).map((row) => row.thread_id).sort();
  },
  /** The IndexedDB databases of this origin, by name: what opening left behind. */
  async databases() {
    return (await indexedDB.databases()).map((database) => database.name).sort();
  },
};

if (typeof document === "undefined") {
  self.onmessage = async ({ data: [id, name, argument] }) => {
    try {
      self.postMessage([id, await calls[name](argument)]);
    } catch (error) {
      self.postMessage([id, { failed: String(error) }]);
    }
  };
} else {
  let worker;
  let nextId = 0;
  const pending = new Map();
  window.writer = calls;
  window.inWorker = (name, argument) => {
    if (worker === undefined) {
      worker = new Worker(import.meta.url, { type: "module" });
      worker.onmessage = ({ data: [id, answer] }) => pending.get(id)?.(answer);
    }
    nextId += 1;
    const id = nextId;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      worker.postMessage([id, name, argument]);
    });
  };
}
