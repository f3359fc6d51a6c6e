// Child process of the durability test: saves the negotiations it is told to, prints a line
// for each acknowledged save, then dies without close() — by SIGKILL or by process.exit.
import {
  CampaignCPMTracker,
  NegotiationStateMachine,
  openNegotiationStore,
} from "negotiation-state";
import { filePersistence } from "negotiation-state/file";

const [databasePath, count, ending] = process.argv.slice(2);
const store = await openNegotiationStore({ persistence: filePersistence(databasePath) });
const tracker = new CampaignCPMTracker("camp-001", "20", "30", Number(count));
const campaign = {
  campaign_id: "camp-001",
  client_name: "Acme Corp",
  target_deliverables: "2 Instagram Reels",
  budget: "10000",
  cpm_range: { min_cpm: "20", max_cpm: "30" },
  created_at: "2026-01-15T12:00:00Z",
};

await Promise.all(
  Array.from({ length: Number(count) }, async (_, index) => {
    const stateMachine = new NegotiationStateMachine();
    stateMachine.trigger("send_offer");
    if (index % 2 === 1) stateMachine.trigger("receive_reply");
    await store.save({
      threadId: `thread-${index}`,
      stateMachine,
      context: { next_cpm: `2${index % 10}.50`, index },
      campaign,
      cpmTracker: tracker,
      roundCount: index,
    });
    console.log(`acknowledged thread-${index}`);
  }),
);
if (ending === "kill") process.kill(process.pid, "SIGKILL");
process.exit(0);
