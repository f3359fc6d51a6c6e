// The page of the two-tab lock test, bundled by esbuild: it exposes the store to the test
// as `window.tab`, one call per step.
import {
  CampaignCPMTracker,
  NegotiationStateMachine,
  openNegotiationStore,
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
  async save(threadId) {
    await store.save(negotiationInput({ NegotiationStateMachine, CampaignCPMTracker }, threadId));
  },
  async threads() {
    return (await store.loadActive()).map((row) => row.thread_id);
  },
};
