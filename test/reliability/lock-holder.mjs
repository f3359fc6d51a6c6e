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
import { negotiationInput } from "../support/negotiation-fixture.mjs";

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
  await store.save(
    negotiationInput({ NegotiationStateMachine, CampaignCPMTracker }, threadId, {
      context: { saved_by: process.pid },
    }),
  );
}
console.log(`holding ${process.pid}`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "close") {
    await store.close();
    console.log("closed");
    process.exit(0);
  }
}
