// Child process of the lock tests: opens the database (waiting `lockTimeout` ms for it),
// saves the threads it is told to, prints "holding <pid>", then obeys stdin: "close" closes
// the store and exits, "hang" does nothing (the parent kills it). A refused open prints
// "refused <code>: <message>" and exits 3.
import { createInterface } from "node:readline";
import {
  CampaignCPMTracker,
  isNegotiationError,
  NegotiationStateMachine,
  openNegotiationStore,
} from "negotiation-state";
import { filePersistence } from "negotiation-state/file";

const [databasePath, lockTimeout, ...threadIds] = process.argv.slice(2);
let store;
try {
  store = await openNegotiationStore({
    persistence: filePersistence(databasePath, { lockTimeout: Number(lockTimeout) }),
  });
} catch (error) {
  if (!isNegotiationError(error)) throw error;
  console.log(`refused ${error.code}: ${error.message}`);
  process.exit(3);
}
for (const threadId of threadIds) {
  const stateMachine = new NegotiationStateMachine();
  stateMachine.trigger("send_offer");
  await store.save({
    threadId,
    stateMachine,
    context: { saved_by: process.pid },
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
}
console.log(`holding ${process.pid}`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "close") {
    await store.close();
    console.log("closed");
    process.exit(0);
  }
}
