import type { Command } from "commander";
import { formatMoney } from "../../domain/money.js";
import { TERMINAL_STATES } from "../../domain/transitions.js";
import { NegotiationState } from "../../domain/vocabulary.js";
import type { RestoredNegotiation } from "../../store/negotiation-state-store.js";
import { action, type CliContext } from "../cli-context.js";
import { dollars } from "../dollars.js";
import { loadNegotiations } from "../negotiations.js";
import { plural } from "../plural.js";
import { DATABASE_ARGUMENT } from "../postgres-url.js";
import { colorState } from "../state-colors.js";
import { printable } from "../terminal.js";

/** One campaign's figures. */
interface CampaignStats {
  readonly campaign_id: string;
  readonly negotiations: number;
  /** Unfinished negotiations: the ones still to settle. */
  readonly remaining: number;
  readonly agreements: number;
  readonly average_agreed_cpm: string | null;
  readonly target_min_cpm: string;
  readonly target_max_cpm: string;
  /** Where the average stands against the target range. */
  readonly against_target: "below" | "within" | "above" | null;
}

/** The headers of `stats`' table of campaigns, in column order. */
export const CAMPAIGN_HEADERS: readonly string[] = [
  "campaign",
  "negotiations",
  "agreements",
  "average CPM",
  "target CPM",
  "against target",
  "remaining",
];

/** Registers `stats`: counts by state, and each campaign's agreements against its target. */
export function registerStats(program: Command, context: CliContext): void {
  program
    .command("stats")
    .summary("count negotiations by state, and each campaign's agreements against its target")
    .description(
      "Count negotiations by state; per campaign, the agreements and their average CPM (from the campaign's CPM tracker, as last saved) against the target CPM range, and how many negotiations remain unfinished.",
    )
    .argument("<database>", DATABASE_ARGUMENT)
    .option("--json", "print the figures as JSON")
    .action(
      action(context, async (database: string, options: { json?: boolean }) => {
        const loaded = await loadNegotiations(context, database);
        const { byState, campaigns } = tally(loaded);
        if (options.json) {
          context.out(JSON.stringify({ by_state: byState, campaigns }, null, 2));
          return;
        }
        const { bold } = context.colors;
        context.out(bold(plural(loaded.length, "negotiation")));
        const stateRows = Object.entries(byState).map(([state, count]) => [
          colorState(context.colors, state),
          String(count),
        ]);
        context.table(["state", "count"].map(bold), stateRows);
        context.out("");
        const campaignRows = campaigns.map((each) => [
          printable(each.campaign_id),
          String(each.negotiations),
          String(each.agreements),
          each.average_agreed_cpm === null ? "-" : dollars(each.average_agreed_cpm),
          `${dollars(each.target_min_cpm)}-${dollars(each.target_max_cpm)}`,
          againstTarget(context, each.against_target),
          String(each.remaining),
        ]);
        // The campaign id is the free text: it gives way when the terminal is narrow.
        context.table(CAMPAIGN_HEADERS.map(bold), campaignRows, [0]);
      }),
    );
}

/** What one pass gathers of a campaign's negotiations. */
interface CampaignTally {
  negotiations: number;
  remaining: number;
  /** Its most recently updated negotiation (the first of those updated at once). */
  latest: RestoredNegotiation;
}

/**
 * Counts the negotiations by state (in the states' order, those with any), and gathers
 * each campaign's figures (in the order the campaigns first appear), in one pass.
 */
function tally(loaded: readonly RestoredNegotiation[]): {
  byState: Record<string, number>;
  campaigns: CampaignStats[];
} {
  const stateCounts = new Map<NegotiationState, number>();
  const byCampaign = new Map<string, CampaignTally>();
  for (const negotiation of loaded) {
    const state = negotiation.stateMachine.state;
    stateCounts.set(state, (stateCounts.get(state) ?? 0) + 1);
    const unfinished = TERMINAL_STATES.has(state) ? 0 : 1;
    const id = negotiation.campaign.campaign_id;
    const campaign = byCampaign.get(id);
    if (campaign === undefined) {
      byCampaign.set(id, { negotiations: 1, remaining: unfinished, latest: negotiation });
      continue;
    }
    campaign.negotiations += 1;
    campaign.remaining += unfinished;
    if (negotiation.updatedAt > campaign.latest.updatedAt) campaign.latest = negotiation;
  }
  const byState: Record<string, number> = {};
  for (const state of Object.values(NegotiationState)) {
    const count = stateCounts.get(state);
    if (count !== undefined) byState[state] = count;
  }
  const campaigns = [...byCampaign].map(([campaignId, each]) => campaignStats(campaignId, each));
  return { byState, campaigns };
}

function campaignStats(campaignId: string, campaign: CampaignTally): CampaignStats {
  // Every save writes the campaign's tracker as it was then: the latest one knows most.
  const tracker = campaign.latest.cpmTracker;
  const average = tracker.runningAverageCpm;
  const { target_min_cpm: min, target_max_cpm: max } = tracker.toDict();
  return {
    campaign_id: campaignId,
    negotiations: campaign.negotiations,
    remaining: campaign.remaining,
    agreements: tracker.agreements.length,
    average_agreed_cpm: average === null ? null : formatMoney(average),
    target_min_cpm: min,
    target_max_cpm: max,
    against_target:
      average === null ? null : average.lt(min) ? "below" : average.gt(max) ? "above" : "within",
  };
}

/** Where the average stands: within (green), below or above (yellow), or `-` with no agreement. */
function againstTarget(context: CliContext, where: CampaignStats["against_target"]): string {
  if (where === null) return "-";
  if (where === "within") return context.colors.green(where);
  return context.colors.yellow(where);
}
