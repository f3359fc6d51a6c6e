import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { openSqlJsAdapter } from "../../adapter/sql-js-adapter.js";
import { errorCode } from "../../domain/errors.js";
import { filePersistence, JOURNAL_SUFFIX } from "../../persistence/file-persistence.js";
import { action, type CliContext } from "../cli-context.js";

/** Registers `checkpoint`: folds the journal into the database file. */
export function registerCheckpoint(program: Command, context: CliContext): void {
  program
    .command("checkpoint")
    .summary("fold the journal into the database file")
    .description(
      `Fold the journal (<database>${JOURNAL_SUFFIX}) into the database file, so that the file alone holds every save. Takes the writer lock: refused while an agent has the database open, unless --wait gives it time to close; refused too while another SQLite program (such as the Python service) may have it open (<database>-wal exists) or left a change unfinished (a hot <database>-journal), unless --take-over-wal says it is gone.`,
    )
    .argument("<database>", "the database file")
    .option("-w, --wait <ms>", "how long to wait for the writer lock", milliseconds, 0)
    .option(
      "--take-over-wal",
      "state that no other SQLite program (such as the Python service) has the file open: fold the committed frames it left in <database>-wal into the file too, then remove <database>-wal and <database>-shm",
    )
    .action(
      action(
        context,
        async (database: string, options: { wait: number; takeOverWal?: boolean }) => {
          // Opening for writing would create a database where there is none: a mistyped
          // path must not leave an empty one behind.
          if (!(await exists(database)) && !(await exists(`${database}${JOURNAL_SUFFIX}`))) {
            throw new Error(`Cannot checkpoint ${resolve(database)}: there is no database there`);
          }
          const adapter = await openSqlJsAdapter({
            persistence: filePersistence(database, {
              lockTimeout: options.wait,
              noOtherSqliteProcess: options.takeOverWal === true,
            }),
          });
          try {
            await adapter.checkpoint();
          } finally {
            await adapter.close();
          }
          context.out(
            `Checkpointed ${adapter.location}: the database file holds every save, and the journal is gone.`,
          );
        },
      ),
    );
}

function milliseconds(value: string): number {
  const wait = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(wait) || wait < 0) {
    throw new InvalidArgumentError("It must be a whole number of milliseconds.");
  }
  return wait;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
}
