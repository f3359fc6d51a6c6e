import { type Command, InvalidArgumentError, Option } from "commander";
import { TERMINAL_STATES } from "../../domain/transitions.js";
import { NegotiationState } from "../../domain/vocabulary.js";
import { isNegotiationError } from "../../errors/negotiation-error.js";
import { action, type CliContext } from "../cli-context.js";
import { dollars } from "../dollars.js";
import { compareNatural } from "../natural-order.js";
import { type NegotiationSummary, summarize } from "../negotiation-summary.js";
import { loadNegotiations } from "../negotiations.js";
import { positiveInteger } from "../option-values.js";
import { plural } from "../plural.js";
import { DATABASE_ARGUMENT } from "../postgres-url.js";
import { colorState } from "../state-colors.js";
import { printable } from "../terminal.js";

/** The orders `--sort` offers. */
type SortOrder = "updated" | "created" | "thread";

interface ListOptions {
  readonly all?: boolean;
  readonly state?: string[];
  readonly campaign?: string;
  readonly json?: boolean;
  readonly sort: SortOrder;
  readonly limit?: number;
}

/** The headers of `list`'s table, in column order. */
export const LIST_HEADERS: readonly string[] = [
  "thread",
  "state",
  "round",
  "campaign",
  "next CPM",
  "max allowed CPM",
  "updated",
];

/** Registers `list`: the negotiations as a table, or as JSON. */
export function registerList(program: Command, context: CliContext): void {
  program
    .command("list")
    .summary("list negotiations as a table (unfinished ones unless --all)")
    .description(
      "List negotiations: thread, state, round, campaign, next CPM (the context's next_cpm), max allowed CPM (from the campaign's CPM tracker and the influencer's engagement rate) and last update, money to the cent. Unfinished ones only, unless --all or --state. Most recently updated first, unless --sort says otherwise; ties go by thread in natural order (t-2 before t-10). On a terminal the table fits its width, long threads and campaigns cut with …; into a pipe or a file it is written whole.",
    )
    .argument("<database>", DATABASE_ARGUMENT)
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
    .addOption(
      new Option(
        "--sort <order>",
        "updated: most recently updated first; created: most recently created first; thread: by thread id in natural order (t-2 before t-10)",
      )
        .choices(SORT_ORDERS)
        .default("updated"),
    )
    .option(
      "-n, --limit <n>",
      "show only the first n negotiations (in the --sort order); standard error says how many more there are",
      positiveInteger,
    )
    .option("--json", "print a JSON array instead of a table (in the same order, and --limit)")
    .action(
      action(context, async (database: string, options: ListOptions) => {
        const summaries = (await loadNegotiations(context, database))
          .map(summarize)
          .filter((summary) => selected(summary, options))
          .sort(ORDERS[options.sort]);
        const shown = summaries.slice(0, options.limit ?? summaries.length);
        if (options.json) {
          context.out(JSON.stringify(shown.map(toJson), null, 2));
        } else if (shown.length === 0) {
          context.out(context.colors.dim("No negotiations match."));
        } else {
          printTable(context, shown);
        }
        const left = summaries.length - shown.length;
        if (left > 0) {
          context.err(
            context.errorColors.dim(
              `${plural(left, "more negotiation")} not shown (--limit ${options.limit})`,
            ),
          );
        }
      }),
    );
}

function printTable(context: CliContext, summaries: readonly NegotiationSummary[]): void {
  const rows = summaries.map((summary) => [
    printable(summary.threadId),
    colorState(context.colors, summary.state),
    String(summary.round),
    printable(summary.campaignId),
    summary.nextCpm === null ? "-" : amount(summary.nextCpm),
    dollars(summary.maxAllowedCpm),
    printable(summary.updatedAt),
  ]);
  // The thread and the campaign are the free text: they give way when the terminal is narrow.
  context.table(LIST_HEADERS.map(context.colors.bold), rows, [0, 3]);
}

/** The context's `next_cpm` as money; as it is written when it is not a decimal. */
function amount(value: string): string {
  try {
    return dollars(value);
  } catch (error) {
    if (isNegotiationError(error)) return printable(value);
    throw error;
  }
}

const SORT_ORDERS: readonly SortOrder[] = ["updated", "created", "thread"];

const ORDERS: Record<SortOrder, (a: NegotiationSummary, b: NegotiationSummary) => number> = {
  updated: (a, b) => compareTimes(b.updatedAt, a.updatedAt) || byThread(a, b),
  created: (a, b) => compareTimes(b.createdAt, a.createdAt) || byThread(a, b),
  thread: (a, b) => byThread(a, b),
};

function byThread(a: NegotiationSummary, b: NegotiationSummary): number {
  return compareNatural(a.threadId, b.threadId);
}

/** Two timestamps by the instants they name; as text when one is not a date. */
function compareTimes(a: string, b: string): number {
  const x = Date.parse(a);
  const y = Date.parse(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return a < b ? -1 : a > b ? 1 : 0;
  return x - y;
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
