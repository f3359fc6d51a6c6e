// The page of the two-tab lock test, bundled by esbuild: it exposes the store to the test
// as `window.tab`, one call per step.
import {
  CampaignCPMTracker,
  NegotiationStateMachine,
  openNegotiationStore,
} from "negotiation-state";
import { indexedDbPersistence } from "negotiation-state/indexeddb";

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
    const stateMachine = new NegotiationStateMachine();
    stateMachine.trigger("send_offer");
    await store.save({
      threadId,
      stateMachine,
      context: {},
      campaign: {
        campaign_id: "camp-001",
        client_name: "Acme Corp",
        target_deliverables: "2 Instagram Reels",
        budget: "10000",
        cpm_range: { min_cpm: "20", max_cpm: "30" },
        created_at: "2026-01-15T12:00:00Z",
      },
      cpmTracker: new CampaignCPMTracker("camp-001", "20", "30", 5),
      roundCount: 0,
    });
  },
  async threads() {
    return (await store.loadActive()).map((row) => row.thread_id);
  },
};
