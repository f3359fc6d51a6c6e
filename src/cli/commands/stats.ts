import type { Command } from "commander";
import { formatMoney } from "../../domain/money.js";
import { TERMINAL_STATES } from "../../domain/transitions.js";
import { NegotiationState } from "../../domain/vocabulary.js";
import { action, type CliContext } from "../cli-context.js";
import { dollars } from "../dollars.js";
import { type LoadedNegotiation, loadNegotiations } from "../negotiations.js";
import { plural } from "../plural.js";
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

/** Registers `stats`: counts by state, and each campaign's agreements against its target. */
export function registerStats(program: Command, context: CliContext): void {
  program
    .command("stats")
    .summary("count negotiations by state, and each campaign's agreements against its target")
    .description(
      "Count negotiations by state; per campaign, the agreements and their average CPM (from the campaign's CPM tracker, as last saved) against the target CPM range, and how many negotiations remain unfinished.",
    )
    .argument("<database>", "the database file")
    .option("--json", "print the figures as JSON")
    .action(
      action(context, async (database: string, options: { json?: boolean }) => {
        const loaded = await loadNegotiations(context, database);
        const byState = countByState(loaded);
        const campaigns = campaignStats(loaded);
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
        const headers = [
          "campaign",
          "negotiations",
          "agreements",
          "average CPM",
          "target CPM",
          "against target",
          "remaining",
        ];
        // The campaign id is the free text: it gives way when the terminal is narrow.
        context.table(headers.map(bold), campaignRows, [0]);
      }),
    );
}

function countByState(loaded: readonly LoadedNegotiation[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const state of Object.values(NegotiationState)) {
    const count = loaded.filter(
      ({ negotiation }) => negotiation.stateMachine.state === state,
    ).length;
    if (count > 0) counts[state] = count;
  }
  return counts;
}

function campaignStats(loaded: readonly LoadedNegotiation[]): CampaignStats[] {
  const byCampaign = new Map<string, LoadedNegotiation[]>();
  for (const each of loaded) {
    const id = each.negotiation.campaign.campaign_id;
    byCampaign.set(id, [...(byCampaign.get(id) ?? []), each]);
  }
  return [...byCampaign].map(([campaignId, negotiations]) => {
    // Every save writes the campaign's tracker as it was then: the latest one knows most.
    const latest = negotiations.reduce((a, b) =>
      b.negotiation.updatedAt > a.negotiation.updatedAt ? b : a,
    ).negotiation.cpmTracker;
    const average = latest.runningAverageCpm;
    const min = latest.toDict().target_min_cpm;
    const max = latest.toDict().target_max_cpm;
    return {
      campaign_id: campaignId,
      negotiations: negotiations.length,
      remaining: negotiations.filter(
        ({ negotiation }) => !TERMINAL_STATES.has(negotiation.stateMachine.state),
      ).length,
      agreements: latest.agreements.length,
      average_agreed_cpm: average === null ? null : formatMoney(average),
      target_min_cpm: min,
      target_max_cpm: max,
      against_target:
        average === null ? null : average.lt(min) ? "below" : average.gt(max) ? "above" : "within",
    };
  });
}

/** Where the average stands: within (green), below or above (yellow), or `-` with no agreement. */
function againstTarget(context: CliContext, where: CampaignStats["against_target"]): string {
  if (where === null) return "-";
  if (where === "within") return context.colors.green(where);
  return context.colors.yellow(where);
}
