// A page as a user would write it: the package by name, no WASM configuration. Each load
// restores what the last one saved, then saves one more email round. Loaded with `?tabs`,
// it opens a store that every tab of it shares instead, and leaves it open: the second tab
// forwards to the first over a line handed by the package's relay, which must come with
// the bundle (`window.tabs`, driven by the test).
import {
  CampaignCPMTracker,
  NegotiationStateMachine,
  openNegotiationStore,
  parseCampaign,
} from "negotiation-state";
import { indexedDbPersistence } from "negotiation-state/indexeddb";

if (new URLSearchParams(location.search).has("tabs")) {
  await shareWithOtherTabs();
} else {
  await saveOneMoreRound();
}

/** The page's calls in `?tabs` mode: a save, and the calls this tab saw cross the channel. */
async function shareWithOtherTabs() {
  const store = await openNegotiationStore({ persistence: indexedDbPersistence("tabs-page") });
  // As test/support/channel-calls.mjs counts them (this page is copied into a project of
  // its own, out of that module's reach).
  let channelCalls = 0;
  new BroadcastChannel("negotiation-state:indexeddb:tabs-page").onmessage = ({ data }) => {
    if (data.kind === "call") channelCalls += 1;
  };
  window.tabs = {
    save: (threadId) => store.save(negotiation(threadId, new NegotiationStateMachine())),
    threads: async () => (await store.loadActive()).map((row) => row.thread_id),
    channelCalls() {
      const seen = channelCalls;
      channelCalls = 0;
      return seen;
    },
  };
}

async function saveOneMoreRound() {
  // A checkpoint due after every save: each load writes one from the package's checkpoint
  // worker, which must come with the bundle.
  const store = await openNegotiationStore({
    persistence: indexedDbPersistence("vite-page", { checkpointBytes: 1 }),
  });
  const [restored] = await store.restoreActive();
  const restoredState = restored?.stateMachine.state ?? "nothing restored";
  const machine = restored?.stateMachine ?? new NegotiationStateMachine();
  machine.trigger(machine.state === "awaiting_reply" ? "receive_reply" : "send_offer");
  await store.save(negotiation("<page@mail>", machine, restored));
  await store.close();

  const table = document.querySelector("#negotiations");
  for (const row of [restoredState, machine.state]) {
    table.insertRow().insertCell().textContent = row;
  }
  document.body.dataset.done = "true";
}

/** A negotiation of the page's campaign, one round past `restored` when given. */
function negotiation(threadId, stateMachine, restored) {
  return {
    threadId,
    stateMachine,
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
  };
}
