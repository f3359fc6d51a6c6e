// Child process of the durability test: saves the negotiations it is told to, prints a line
// for each acknowledged save, then dies without close() — by SIGKILL or by process.exit.
import {
  CampaignCPMTracker,
  NegotiationStateMachine,
  openNegotiationStore,
} from "negotiation-state";
import { filePersistence } from "negotiation-state/file";
import { negotiationInput } from "./negotiation-fixture.mjs";

const [databasePath, count, ending] = process.argv.slice(2);
const store = await openNegotiationStore({ persistence: filePersistence(databasePath) });

await Promise.all(
  Array.from({ length: Number(count) }, async (_, index) => {
    await store.save(
      negotiationInput({ NegotiationStateMachine, CampaignCPMTracker }, `thread-${index}`, {
        events: index % 2 === 1 ? ["send_offer", "receive_reply"] : ["send_offer"],
        context: { next_cpm: `2${index % 10}.50`, index },
        roundCount: index,
        totalInfluencers: Number(count),
      }),
    );
    console.log(`acknowledged thread-${index}`);
  }),
);
if (ending === "kill") process.kill(process.pid, "SIGKILL");
process.exit(0);
