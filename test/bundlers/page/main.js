// A page as a user would write it: the package by name, no WASM configuration. Each load
// restores what the last one saved, then saves one more email round.
import {
  CampaignCPMTracker,
  NegotiationStateMachine,
  openNegotiationStore,
  parseCampaign,
} from "negotiation-state";
import { indexedDbPersistence } from "negotiation-state/indexeddb";

// A checkpoint due after every save: each load writes one from the package's checkpoint
// worker, which must come with the bundle.
const store = await openNegotiationStore({
  persistence: indexedDbPersistence("vite-page", { checkpointBytes: 1 }),
});
const [restored] = await store.restoreActive();
const restoredState = restored?.stateMachine.state ?? "nothing restored";
const machine = restored?.stateMachine ?? new NegotiationStateMachine();
machine.trigger(machine.state === "awaiting_reply" ? "receive_reply" : "send_offer");
await store.save({
  threadId: "<page@mail>",
  stateMachine: machine,
  context: { next_cpm: "24.50" },
  campaign: parseCampaign({
    campaign_id: "spring-launch",
    client_name: "Acme",
    target_deliverables: "1 Reel",
    budget: "12000",
    cpm_range: { min_cpm: "20", max_cpm: "30" },
    created_at: "2026-11-01T09:00:00Z",
  }),
  cpmTracker: restored?.cpmTracker ?? new CampaignCPMTracker("spring-launch", "20", "30", 10),
  roundCount: (restored?.roundCount ?? -1) + 1,
});
await store.close();

const table = document.querySelector("#negotiations");
for (const row of [restoredState, machine.state]) {
  table.insertRow().insertCell().textContent = row;
}
document.body.dataset.done = "true";
