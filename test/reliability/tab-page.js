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
  /**
   * Saves `count` threads named `<prefix>-<i>`, three at a time; answers each outcome: "ok",
   * or the code of the error it was refused with.
   */
  async burst([prefix, count]) {
    const outcomes = [];
    const lane = async (first) => {
      for (let i = first; i < count; i += 3) {
        outcomes[i] = await window.tab.save(`${prefix}-${i}`).then(
          () => "ok",
          (error) => error.code ?? String(error),
        );
      }
    };
    await Promise.all([lane(0), lane(1), lane(2)]);
    return outcomes;
  },
  async save(threadId) {
    await store.save(negotiationInput({ NegotiationStateMachine, CampaignCPMTracker }, threadId));
  },
  async threads() {
    return (await store.loadActive()).map((row) => row.thread_id);
  },
};
