import type { Command } from "commander";
import { action, type CliContext } from "../cli-context.js";
import { loadNegotiation } from "../negotiations.js";
import { DATABASE_ARGUMENT } from "../postgres-url.js";
import { withReadOnlyStore } from "../read-only-store.js";
import { colorState } from "../state-colors.js";
import { printable } from "../terminal.js";

/** Registers `history`: a negotiation's transitions as a timeline. */
export function registerHistory(program: Command, context: CliContext): void {
  program
    .command("history")
    .summary("show a negotiation's transitions as a timeline")
    .description("Show a negotiation's transitions in order: from state, event, to state.")
    .argument("<database>", DATABASE_ARGUMENT)
    .argument("<thread>", "the negotiation's thread id")
    .option("--json", "print the transitions as a JSON array of [from, event, to]")
    .action(
      action(context, async (database: string, thread: string, options: { json?: boolean }) => {
        const negotiation = await withReadOnlyStore(database, (store, location) =>
          loadNegotiation(store, location, thread),
        );
        const history = negotiation.stateMachine.history;
        if (options.json) {
          context.out(JSON.stringify(history));
          return;
        }
        const { bold, cyan, dim } = context.colors;
        context.out(
          `${bold(printable(negotiation.threadId))} ${dim(`created ${printable(negotiation.createdAt)}`)}`,
        );
        const rows = history.map(([from, event, to], index) => [
          String(index + 1),
          colorState(context.colors, from),
          cyan(`--${event}-->`),
          colorState(context.colors, to),
        ]);
        if (rows.length === 0) {
          context.out(dim(`no transitions yet: ${negotiation.stateMachine.state}`));
        } else {
          context.table(["#", "from", "event", "to"].map(bold), rows);
        }
        context.out(
          dim(
            `now ${negotiation.stateMachine.state}, round ${negotiation.roundCount}, updated ${printable(negotiation.updatedAt)}`,
          ),
        );
      }),
    );
}
