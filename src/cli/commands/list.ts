import { type Command, InvalidArgumentError, Option } from "commander";
import { TERMINAL_STATES } from "../../domain/transitions.js";
import { NegotiationState } from "../../domain/vocabulary.js";
import { action, type CliContext } from "../cli-context.js";
import { cents, type NegotiationSummary, summarize } from "../negotiation-summary.js";
import { loadNegotiations } from "../negotiations.js";
import { colorState } from "../state-colors.js";
import { printable, renderTable } from "../terminal.js";

interface ListOptions {
  readonly all?: boolean;
  readonly state?: string[];
  readonly campaign?: string;
  readonly json?: boolean;
}

/** Registers `list`: the negotiations as a table, or as JSON. */
export function registerList(program: Command, context: CliContext): void {
  program
    .command("list")
    .summary("list negotiations as a table (unfinished ones unless --all)")
    .description(
      "List negotiations: thread, state, round, campaign, next CPM (the context's next_cpm), max allowed CPM (from the campaign's CPM tracker and the influencer's engagement rate) and last update. Unfinished ones only, unless --all or --state.",
    )
    .argument("<database>", "the database file")
    .option("-a, --all", "include finished negotiations (agreed, rejected, stopped)")
    .addOption(
      new Option(
        "-s, --state <state...>",
        "only negotiations in these states (put <database> first, or end the states with --)",
      )
        .choices(STATES)
        .argParser(collectState),
    )
    .option("-c, --campaign <campaign_id>", "only negotiations of this campaign")
    .option("--json", "print a JSON array instead of a table")
    .action(
      action(context, async (database: string, options: ListOptions) => {
        const summaries = (await loadNegotiations(context, database))
          .map(({ negotiation }) => summarize(negotiation))
          .filter((summary) => selected(summary, options));
        if (options.json) {
          context.out(JSON.stringify(summaries.map(toJson), null, 2));
          return;
        }
        if (summaries.length === 0) {
          context.out(context.colors.dim("No negotiations match."));
          return;
        }
        const rows = summaries.map((summary) => [
          printable(summary.threadId),
          colorState(context.colors, summary.state),
          String(summary.round),
          printable(summary.campaignId),
          summary.nextCpm === null ? "-" : `$${printable(summary.nextCpm)}`,
          `$${cents(summary.maxAllowedCpm)}`,
          printable(summary.updatedAt),
        ]);
        const headers = [
          "thread",
          "state",
          "round",
          "campaign",
          "next CPM",
          "max allowed CPM",
          "updated",
        ];
        for (const line of renderTable(headers.map(context.colors.bold), rows)) context.out(line);
      }),
    );
}

const STATES: readonly string[] = Object.values(NegotiationState);

/**
 * `--state` takes every word up to the next option, the database too when it comes after:
 * refuse what is not a state, saying how to place the database.
 */
function collectState(value: string, previous: string[] | undefined): string[] {
  if (!STATES.includes(value)) {
    throw new InvalidArgumentError(
      "It is not a state. Put <database> before --state, or end the states with --.",
    );
  }
  return [...(previous ?? []), value];
}

function selected(summary: NegotiationSummary, options: ListOptions): boolean {
  if (options.campaign !== undefined && summary.campaignId !== options.campaign) return false;
  if (options.state !== undefined) return options.state.includes(summary.state);
  return options.all === true || !TERMINAL_STATES.has(summary.state as NegotiationState);
}

function toJson(summary: NegotiationSummary) {
  return {
    thread_id: summary.threadId,
    state: summary.state,
    round_count: summary.round,
    campaign_id: summary.campaignId,
    next_cpm: summary.nextCpm,
    max_allowed_cpm: summary.maxAllowedCpm,
    updated_at: summary.updatedAt,
  };
}
