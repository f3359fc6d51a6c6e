import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { openSqlJsAdapter } from "../../adapter/sql-js-adapter.js";
import { errorCode } from "../../errors/negotiation-error.js";
import { filePersistence, JOURNAL_SUFFIX } from "../../persistence/file-persistence.js";
import { nodeFileSystem } from "../../persistence/file-system.js";
import { readCommittedWal } from "../../persistence/sqlite-wal.js";
import { action, type CliContext } from "../cli-context.js";
import { checkJournal } from "../journal-check.js";
import { observeReads } from "../observed-file-system.js";
import { milliseconds } from "../option-values.js";
import { plural } from "../plural.js";
import { refusedOnPostgres } from "../postgres-url.js";

/** Registers `checkpoint`: folds the journal into the database file. */
export function registerCheckpoint(program: Command, context: CliContext): void {
  program
    .command("checkpoint")
    .summary("fold the journal into the database file")
    .description(
      `Fold the journal (<database>${JOURNAL_SUFFIX}) into the database file, so that the file alone holds every save, and say what it found: how many journal records it folded in, a torn last record (never acknowledged) it dropped, WAL frames it took over, or that there was nothing to checkpoint (no journal: the file already holds every save). Takes the writer lock: refused while an agent has the database open, unless --wait gives it time to close; refused too while another SQLite program (such as the Python service) may have it open (<database>-wal exists) or left a change unfinished (a hot <database>-journal), unless --take-over-wal says it is gone. A postgres:// URL is refused: PostgreSQL commits every change itself.`,
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
          if (refusedOnPostgres(context, "checkpoint", database)) return;
          // Opening for writing would create a database where there is none: a mistyped
          // path must not leave an empty one behind.
          if (!(await exists(database)) && !(await exists(`${database}${JOURNAL_SUFFIX}`))) {
            throw new Error(`Cannot checkpoint ${resolve(database)}: there is no database there`);
          }
          const file = resolve(database);
          const journalFile = `${file}${JOURNAL_SUFFIX}`;
          const walFile = `${file}-wal`;
          // What the writer reads once it holds the lock, not what was there before: with
          // --wait, the agent that held it may have folded its journal itself as it closed.
          const { fs, reads } = observeReads(nodeFileSystem, [file, journalFile, walFile]);
          const firstRead = (path: string) => reads(path)[0];
          const adapter = await openSqlJsAdapter({
            persistence: filePersistence(database, {
              lockTimeout: options.wait,
              noOtherSqliteProcess: options.takeOverWal === true,
              fileSystem: fs,
            }),
          });
          try {
            await adapter.checkpoint();
          } finally {
            await adapter.close();
          }
          context.out(
            report({
              file,
              databaseBefore: firstRead(file) != null,
              databaseAfter: await exists(file),
              journal: firstRead(journalFile) ?? null,
              journalAfter: await exists(journalFile),
              wal: firstRead(walFile) ?? null,
            }),
          );
        },
      ),
    );
}

/** What a checkpoint found and left. */
interface Outcome {
  readonly file: string;
  readonly databaseBefore: boolean;
  readonly databaseAfter: boolean;
  /** The journal as the writer read it under the lock; `null` when there was none. */
  readonly journal: Uint8Array | null;
  readonly journalAfter: boolean;
  /** `<database>-wal` as the writer read it (and took over); `null` when there was none. */
  readonly wal: Uint8Array | null;
}

/** One line saying what was done, each state in its own true words. */
function report(outcome: Outcome): string {
  const { file, journal, wal } = outcome;
  const done: string[] = [];
  if (wal !== null) {
    const frames = readCommittedWal(wal)?.committedFrames ?? 0;
    done.push(
      frames > 0
        ? `took over the ${plural(frames, "committed frame")} of ${file}-wal`
        : `removed ${file}-wal, which held no committed frame`,
    );
  }
  if (journal !== null) {
    const { entries, tornTail, tornGroup } = checkJournal(journal);
    const torn = tornTail !== null || tornGroup !== null;
    if (entries.length > 0) {
      const into = outcome.databaseBefore ? "the database file" : "a new database file";
      done.push(`folded the journal's ${plural(entries.length, "record")} into ${into}`);
      if (torn) done.push("dropped its torn last record, which was never acknowledged");
    } else if (torn) {
      done.push("dropped the journal's only, torn record, which was never acknowledged");
    } else {
      done.push(
        journal.length === 0
          ? "removed the journal, which was empty"
          : "removed the journal, which held no record",
      );
    }
  }
  if (!outcome.databaseAfter) {
    return `Nothing to checkpoint: ${file} was never saved to, so there is no database file; ${done.join("; ") || "there is no journal"}.`;
  }
  if (done.length === 0) {
    return `Nothing to checkpoint: ${file} has no journal; the database file already holds every save.`;
  }
  const journalGone = journal !== null && !outcome.journalAfter ? ", and the journal is gone" : "";
  return `Checkpointed ${file}: ${done.join("; ")}. The database file holds every save${journalGone}.`;
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
