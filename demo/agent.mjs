// The negotiating agent of the demo. `node demo/agent.mjs negotiate <db>` opens three
// negotiations and advances them one email at a time, printing a line for every
// acknowledged (durable) save; `node demo/agent.mjs recover <db>` reopens the database and
// prints every unfinished negotiation as a table.
import {
  CampaignCPMTracker,
  NegotiationStateMachine,
  openNegotiationStore,
  parseCampaign,
  toMoney,
} from "negotiation-state";
import { filePersistence } from "negotiation-state/file";

const [mode, databasePath] = process.argv.slice(2);

const campaign = parseCampaign({
  campaign_id: "spring-launch",
  client_name: "Acme Skincare",
  target_deliverables: "1 Instagram Reel + 2 Stories",
  budget: "12000",
  cpm_range: { min_cpm: "20", max_cpm: "30" },
  created_at: "2026-11-01T09:00:00Z",
  influencers: [
    { name: "Ava Martin", platform: "instagram", engagement_rate: 6.1 },
    { name: "Ben Osei", platform: "tiktok", engagement_rate: 4.2 },
    { name: "Chloé Durand", platform: "instagram", engagement_rate: 2.5 },
  ],
});

// What each influencer asks for, email after email.
const asks = {
  "Ava Martin": ["38", "34"],
  "Ben Osei": ["35", "31.50"],
  "Chloé Durand": ["29", "27"],
};

const store = await openNegotiationStore({ persistence: filePersistence(databasePath) });
if (mode === "negotiate") await negotiate();
else await recover();

async function negotiate() {
  const tracker = new CampaignCPMTracker("spring-launch", "20", "30", campaign.influencers.length);
  const threads = campaign.influencers.map((influencer, index) => ({
    threadId: `thread-${index + 1}-${influencer.name.split(" ")[0].toLowerCase()}`,
    influencer,
    machine: new NegotiationStateMachine(),
    round: 0,
    nextCpm: toMoney("20", "next_cpm"),
  }));

  const save = async (thread) => {
    await store.save({
      threadId: thread.threadId,
      stateMachine: thread.machine,
      context: {
        influencer_name: thread.influencer.name,
        engagement_rate: thread.influencer.engagement_rate,
        next_cpm: thread.nextCpm,
      },
      campaign,
      cpmTracker: tracker,
      roundCount: thread.round,
    });
    // Printed only once the save is durable: the parent counts these lines.
    console.log(`saved ${thread.threadId} ${thread.machine.state} ${thread.round}`);
  };

  const steps = [
    (thread) => save(thread),
    (thread) => {
      thread.machine.trigger("send_offer");
      return save(thread);
    },
    ...[0, 1].flatMap((round) => [
      (thread) => {
        thread.machine.trigger("receive_reply");
        thread.round = round + 1;
        thread.ask = toMoney(asks[thread.influencer.name][round], "ask");
        return save(thread);
      },
      (thread) => {
        const { maxAllowedCpm } = tracker.getFlexibility(thread.influencer.engagement_rate);
        if (thread.ask.lte(maxAllowedCpm)) {
          thread.machine.trigger("accept");
          thread.nextCpm = thread.ask;
          tracker.recordAgreement(thread.ask, thread.influencer.engagement_rate);
        } else {
          thread.machine.trigger("send_counter");
          thread.nextCpm = maxAllowedCpm.round(2);
        }
        return save(thread);
      },
    ]),
  ];

  for (const step of steps) {
    for (const thread of threads) {
      if (thread.machine.isTerminal) continue;
      await step(thread);
      // An agent waits for email; the pause leaves the parent time to kill it mid-way.
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
  }
  await store.close();
}

async function recover() {
  const restored = await store.restoreActive();
  const rows = restored.map(({ threadId, stateMachine, context, cpmTracker, roundCount }) => ({
    thread: threadId,
    state: stateMachine.state,
    round: String(roundCount),
    "next CPM": `$${toMoney(context.next_cpm, "next_cpm").toFixed(2)}`,
    "max allowed CPM": `$${cpmTracker.getFlexibility(context.engagement_rate).maxAllowedCpm.toFixed(2)}`,
  }));
  console.log(JSON.stringify(rows));
  await store.close();
}
