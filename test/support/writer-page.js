// The page of the insecure-context test (test/reliability/insecure-context.test.ts),
// bundled by esbuild with the built package. Loaded by a page, it exposes `window.writer`
// (its calls run in the page) and `window.inWorker(name, argument)` (the same calls, run in
// a dedicated worker started from this same script); loaded as a worker, it answers them.
// The shared-tabs test (test/reliability/shared-tabs.test.ts) drives it too.
// Each call answers plain data.
//
// A page also listens on the store's channel, as one more context of it would, and counts
// the calls that cross it: calls between tabs go over a direct line instead, once the
// writer has opened it.
import {
  CampaignCPMTracker,
  NegotiationStateMachine,
  openNegotiationStore,
} from "negotiation-state";
import { indexedDbPersistence } from "negotiation-state/indexeddb";
import { countChannelCalls } from "./channel-calls.mjs";
import { negotiationInput } from "./negotiation-fixture.mjs";

const NAME = "writers";
let store;
/** In a page: the calls other contexts send over the store's channel. */
let channelCalls;
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
  /** Saves `<prefix>-0` to `<prefix>-<count - 1>`, one after another; each outcome as above. */
  async saveInTurn([prefix, count]) {
    const outcomes = [];
    for (let i = 0; i < count; i++) {
      outcomes.push(
        await calls.save(`${prefix}-${i}`).then(
          () => "ok",
          (error) => error.code ?? String(error),
        ),
      );
    }
    return outcomes;
  },
  /** The threads of the changes this context heard, in order. */
  heard: () => heard,
  /** The threads the store holds, as this context reads them. */
  async threads() {
    return (await store.loadActive()).map((row) => row.thread_id).sort();
  },
  /** Closes the store (the tab stays). */
  async close() {
    await store.close();
    return "closed";
  },
  /** The calls other contexts sent over the channel since the last look. */
  channelCalls: () => channelCalls.take(),
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
  channelCalls = countChannelCalls(NAME);
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
