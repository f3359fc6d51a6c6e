import type { Command } from "commander";
import { serializeCampaign } from "../../domain/campaign.js";
import { parseExactJson, stringifyExactJson } from "../../store/exact-json.js";
import { action, type CliContext } from "../cli-context.js";
import { dollars } from "../dollars.js";
import { engagementRateOf } from "../negotiation-summary.js";
import { loadNegotiation } from "../negotiations.js";
import { DATABASE_ARGUMENT } from "../postgres-url.js";
import { withReadOnlyStore } from "../read-only-store.js";
import { colorState } from "../state-colors.js";
import { printable } from "../terminal.js";
import { rowToWire } from "../wire-format.js";

/** Registers `show`: one whole negotiation. */
export function registerShow(program: Command, context: CliContext): void {
  program
    .command("show")
    .summary("show one negotiation whole")
    .description(
      "Show one negotiation whole: state, round, timestamps, context, campaign, CPM tracker and what it allows now.",
    )
    .argument("<database>", DATABASE_ARGUMENT)
    .argument("<thread>", "the negotiation's thread id")
    .option("--json", "print it as export writes it (one JSON object)")
    .action(
      action(context, async (database: string, thread: string, options: { json?: boolean }) => {
        const { negotiation, row } = await withReadOnlyStore(database, async (store, location) => {
          const negotiation = await loadNegotiation(store, location, thread);
          // The row as stored, for its text as written ("25.50").
          const row = options.json ? ((await store.loadRow(thread)) ?? undefined) : undefined;
          return { negotiation, row };
        });
        if (row !== undefined) {
          context.out(stringifyExactJson(rowToWire(row).wire, 2));
          return;
        }
        const { bold, dim } = context.colors;
        const engagement = engagementRateOf(negotiation);
        const flexibility = negotiation.cpmTracker.getFlexibility(engagement);
        const field = (name: string, value: string) =>
          context.out(`${bold(name.padEnd(16))}${value}`);
        field("thread", printable(negotiation.threadId));
        field("state", colorState(context.colors, negotiation.stateMachine.state));
        if (negotiation.stateMachine.prePauseState) {
          field("paused from", negotiation.stateMachine.prePauseState);
        }
        field("round", String(negotiation.roundCount));
        field("created", printable(negotiation.createdAt));
        field("updated", printable(negotiation.updatedAt));
        field("transitions", `${negotiation.stateMachine.history.length} ${dim("(see history)")}`);
        field("engagement", engagement === null ? "-" : `${engagement}%`);
        field(
          "max allowed CPM",
          `${dollars(flexibility.maxAllowedCpm)} ${dim(flexibility.reason)}`,
        );
        context.out("");
        context.out(bold("context"));
        context.out(stringifyExactJson(negotiation.context, 2));
        context.out(bold("campaign"));
        context.out(stringifyExactJson(parseExactJson(serializeCampaign(negotiation.campaign)), 2));
        context.out(bold("cpm tracker"));
        context.out(stringifyExactJson(negotiation.cpmTracker.toDict(), 2));
      }),
    );
}
