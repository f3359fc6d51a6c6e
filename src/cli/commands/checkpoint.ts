import type { Command } from "commander";
import { openSqlJsAdapter } from "../../adapter/sql-js-adapter.js";
import { filePersistence, JOURNAL_SUFFIX } from "../../persistence/file-persistence.js";
import { action, type CliContext } from "../cli-context.js";

/** Registers `checkpoint`: folds the journal into the database file. */
export function registerCheckpoint(program: Command, context: CliContext): void {
  program
    .command("checkpoint")
    .summary("fold the journal into the database file")
    .description(
      `Fold the journal (<database>${JOURNAL_SUFFIX}) into the database file, so that the file alone holds every save. Takes the writer lock: refused while an agent has the database open, unless --wait gives it time to close.`,
    )
    .argument("<database>", "the database file")
    .option("-w, --wait <ms>", "how long to wait for the writer lock", "0")
    .action(
      action(context, async (database: string, options: { wait: string }) => {
        const wait = Number(options.wait);
        if (!Number.isSafeInteger(wait) || wait < 0) {
          throw new Error(
            `--wait must be a number of milliseconds, got ${JSON.stringify(options.wait)}`,
          );
        }
        const adapter = await openSqlJsAdapter({
          persistence: filePersistence(database, { lockTimeout: wait }),
        });
        try {
          await adapter.checkpoint();
        } finally {
          await adapter.close();
        }
        context.out(
          `Checkpointed ${adapter.location}: the database file holds every save, and the journal is gone.`,
        );
      }),
    );
}
