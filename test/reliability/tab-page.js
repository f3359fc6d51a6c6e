// The page of the two-tab lock test, bundled by esbuild: it exposes the store to the test
// as `window.tab`, one call per step, and `openWriter`, the target opened alone.
import {
  CampaignCPMTracker,
  NegotiationStateMachine,
  openNegotiationStore,
  openSqlJsAdapter,
} from "negotiation-state";
import { indexedDbPersistence } from "negotiation-state/indexeddb";
import { negotiationInput } from "../support/negotiation-fixture.mjs";

let store;

window.tab = {
  async open(lockTimeout) {
    try {
      store = await openNegotiationStore({
        persistence: indexedDbPersistence("tabs", { lockTimeout }),
      });
      return "open";
    } catch (error) {
      return `refused ${error.code}: ${error.message}`;
    }
  },
  /** Opens the IndexedDB target alone, as a second writer would: what its lock allows. */
  async openWriter(lockTimeout) {
    try {
      const adapter = await openSqlJsAdapter({
        persistence: indexedDbPersistence("tabs", { lockTimeout }),
      });
      await adapter.close();
      return "open";
    } catch (error) {
      return `refused ${error.code}: ${error.message}`;
    }
  },
  async save(threadId) {
    await store.save(negotiationInput({ NegotiationStateMachine, CampaignCPMTracker }, threadId));
  },
  async threads() {
    return (await store.loadActive()).map((row) => row.thread_id);
  },
};
