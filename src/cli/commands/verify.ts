import { resolve } from "node:path";
import type { Command } from "commander";
import { openSqlJsAdapter, type SqlJsAdapter } from "../../adapter/sql-js-adapter.js";
import { errorMessage } from "../../errors/negotiation-error.js";
import { StorageError } from "../../persistence/errors.js";
import { filePersistence, JOURNAL_SUFFIX } from "../../persistence/file-persistence.js";
import { nodeFileSystem } from "../../persistence/file-system.js";
import type { Persistence, StoredDatabase } from "../../persistence/persistence.js";
import { readCommittedWal } from "../../persistence/sqlite-wal.js";
import type { NegotiationStateStore } from "../../store/negotiation-state-store.js";
import { openNegotiationStore } from "../../store/open-negotiation-store.js";
import { action, type CliContext } from "../cli-context.js";
import { checkJournal, type JournalCheck, sequenceList } from "../journal-check.js";
import { observeReads } from "../observed-file-system.js";
import { plural } from "../plural.js";
import { DATABASE_ARGUMENT, isPostgresUrl, openPostgresDatabase } from "../postgres-url.js";
import { rowFindings } from "../row-findings.js";
import { printable } from "../terminal.js";

/** How many lines of a failed integrity check are listed; the rest are counted. */
const LISTED_INTEGRITY_LINES = 50;

/** What one check found; a check may report several lines. */
export interface Finding {
  readonly check: "database" | "integrity" | "journal" | "rows";
  /** `warning` does not fail the verification; `problem` does. */
  readonly status: "ok" | "warning" | "problem";
  readonly message: string;
}

/** Registers `verify`: every check of a database, each problem listed. */
export function registerVerify(program: Command, context: CliContext): void {
  program
    .command("verify")
    .summary("check a database: SQLite integrity, journal checksums, every row")
    .description(
      [
        "Check a database and list every problem found; the exit status is 0 only when every check passes (warnings do not fail it), 1 otherwise.",
        "database: the file is a SQLite database that opens. integrity: SQLite's PRAGMA integrity_check says ok (each line it reports otherwise is listed). journal: if there is one (<database>.ns-journal), every record's length, CRC-32 and sequence, and that it continues the database file; a damaged record followed by a record of a later group write (saves written and synced together), or records out of sequence, is a problem (opening the database would be refused; the repair command cuts it), while a torn last record, or a last group write of which a power loss kept some pages and not an earlier one, is only a warning: a crash mid-save leaves one, it was never acknowledged, and the next open drops it. rows: every negotiation is rebuilt as the store rebuilds it (thread id, state and history, round count, context, campaign, CPM tracker, timestamps), each problem named by thread and field; import checks each line by the same rules, so a database that passes exports a file that imports, and a file import takes verifies.",
        "On PostgreSQL (a postgres:// URL), the checks are database (the server answers, and the negotiation_state table is in the schema) and rows, by the same rules; a committed change is whole there, so there is no journal to check.",
        "Read-only: takes no lock and changes nothing, so it may run while an agent has the database open.",
      ].join("\n\n"),
    )
    .argument("<database>", DATABASE_ARGUMENT)
    .option(
      "--json",
      'print the findings as JSON: {"database", "ok", "problems", "warnings", "checks": [{"check", "status", "message"}]}',
    )
    .action(
      action(context, async (database: string, options: { json?: boolean }) => {
        let where: string;
        let findings: Finding[];
        if (isPostgresUrl(database)) {
          const postgres = await openPostgresDatabase(database);
          where = postgres.location;
          findings = await postgres.verify();
        } else {
          where = resolve(database);
          findings = await verifyDatabase(where);
        }
        if (options.json) {
          const { problems, warnings } = countFindings(findings);
          if (problems > 0) context.fail();
          context.out(
            JSON.stringify(
              { database: where, ok: problems === 0, problems, warnings, checks: findings },
              null,
              2,
            ),
          );
          return;
        }
        printFindings(context, where, findings);
      }),
    );
}

/**
 * Prints findings as `verify` does: a heading, one line per finding, and a summary; sets
 * the exit status to 1 when there is a problem.
 *
 * @param context - Where to print.
 * @param file - The database, for the heading.
 * @param findings - What {@link verifyDatabase} found.
 * @returns How many problems and warnings there were.
 */
export function printFindings(
  context: CliContext,
  file: string,
  findings: readonly Finding[],
): { problems: number; warnings: number } {
  const { problems, warnings } = countFindings(findings);
  if (problems > 0) context.fail();
  const { bold, green, red, yellow } = context.colors;
  context.out(bold(`Verifying ${printable(file)}`));
  for (const { check, status, message } of findings) {
    const mark = status === "ok" ? green("✓") : status === "warning" ? yellow("!") : red("✗");
    context.out(`${mark} ${check.padEnd(11)}${printable(message)}`);
  }
  const counts = [
    problems > 0 ? red(plural(problems, "problem")) : "",
    warnings > 0 ? yellow(plural(warnings, "warning")) : "",
  ].filter((part) => part !== "");
  context.out(
    problems === 0 && warnings === 0
      ? green("All checks passed.")
      : `${counts.join(", ")}${problems === 0 ? "; the checks passed" : ""}.`,
  );
  return { problems, warnings };
}

function countFindings(findings: readonly Finding[]): { problems: number; warnings: number } {
  return {
    problems: findings.filter((finding) => finding.status === "problem").length,
    warnings: findings.filter((finding) => finding.status === "warning").length,
  };
}

/**
 * Runs every check of `verify` that can run, read-only: takes no lock and changes no file.
 * The database is opened as every reading command opens it (`filePersistence` with
 * `readOnly`), and its rows are checked by the store's own restore (`restoreAll`), so a
 * database that passes is one the store reads whole.
 *
 * @param file - The database file (absolute).
 * @returns What each check found; a `problem` fails the verification, a `warning` does not.
 */
export async function verifyDatabase(file: string): Promise<Finding[]> {
  const journalFile = `${file}${JOURNAL_SUFFIX}`;
  const whole = readOnlyOpen(file, { withJournal: true });
  let source = whole;
  let adapter: SqlJsAdapter | undefined;
  let openError: unknown;
  try {
    adapter = await openSqlJsAdapter({ persistence: whole.persistence });
  } catch (error) {
    openError = error;
  }
  // What the open read last is what it replayed, or refused.
  const journalBytes = whole.lastRead(journalFile);
  if (adapter === undefined && journalBytes === null && whole.lastRead(file) === null) {
    return [{ check: "database", status: "problem", message: `there is no database at ${file}` }];
  }
  const journal = journalBytes == null ? null : checkJournal(journalBytes);
  let replayProblem: string | undefined;
  if (adapter === undefined && journal !== null) {
    // Told apart: a journal that is damaged or does not continue the file, or a file that
    // does not open. The file is opened again as if its journal held no record.
    const fileAlone = readOnlyOpen(file, { withJournal: false });
    try {
      adapter = await openSqlJsAdapter({ persistence: fileAlone.persistence });
      source = fileAlone;
      if (journal.damage === null) replayProblem = storageDetail(openError);
    } catch (error) {
      if (journal.damage !== null) openError = error;
    }
  }

  const findings: Finding[] = [];
  if (adapter === undefined) {
    findings.push({ check: "database", status: "problem", message: storageDetail(openError) });
  } else {
    try {
      findings.push({ check: "database", status: "ok", message: opened(source) });
      findings.push(...(await checkIntegrity(adapter)));
    } finally {
      await adapter.close();
    }
  }
  findings.push(...journalFindings(journal, journalFile, replayProblem));
  if (adapter !== undefined) {
    const fileOnly = replayProblem !== undefined || journal?.damage != null;
    findings.push(...(await checkRows(source.persistence, fileOnly)));
  }
  return findings;
}

/** A read-only open of a database file, and what it read. */
interface ReadOnlyOpen {
  /**
   * `filePersistence(file, { readOnly: true })`, whose open reads the files once: the
   * adapter of the integrity check and the store of the rows see the same bytes.
   */
  readonly persistence: Persistence;
  /** What the open found when it last read a file: the database, its journal or its WAL. */
  lastRead(path: string): Uint8Array | null | undefined;
  /** What the open returned, once it has. */
  stored(): StoredDatabase | undefined;
}

/**
 * Opens `file` as the reading commands do, noting what was read; without the journal, it
 * reads the journal as empty (the database file alone, as a reader would see it had the
 * journal no record).
 */
function readOnlyOpen(file: string, { withJournal }: { withJournal: boolean }): ReadOnlyOpen {
  const journalFile = `${file}${JOURNAL_SUFFIX}`;
  const { fs, reads } = observeReads(
    nodeFileSystem,
    [file, journalFile, walOf(file)],
    withJournal ? [] : [journalFile],
  );
  const base = filePersistence(file, { readOnly: true, fileSystem: fs });
  let stored: StoredDatabase | undefined;
  return {
    persistence: {
      ...base,
      async open() {
        stored ??= await base.open();
        // A copy for each open (not a Buffer's slice, which shares its bytes): the engine
        // writes the replayed pages over the bytes it loads.
        const { snapshot } = stored;
        return { ...stored, snapshot: snapshot === null ? null : Uint8Array.from(snapshot) };
      },
    },
    lastRead: (path) => reads(path).at(-1),
    stored: () => stored,
  };
}

/** What the database check says of an open that succeeded. */
function opened(source: ReadOnlyOpen): string {
  const snapshot = source.stored()?.snapshot ?? null;
  if (snapshot === null) return "no database file yet: its journal holds every save";
  const file = source.persistence.location;
  const walBytes = source.lastRead(walOf(file));
  const frames = walBytes == null ? 0 : (readCommittedWal(walBytes)?.committedFrames ?? 0);
  const wal =
    frames === 0
      ? ""
      : `, with the ${plural(frames, "committed frame")} of ${walOf(file)} that a SQLite program has not checkpointed yet`;
  return `opens (${plural(snapshot.length, "byte")}${wal})`;
}

function walOf(file: string): string {
  return `${file}-wal`;
}

async function checkIntegrity(adapter: SqlJsAdapter): Promise<Finding[]> {
  let lines: string[];
  try {
    lines = (await adapter.all("PRAGMA integrity_check")).map((row) =>
      String(Object.values(row)[0]),
    );
  } catch (error) {
    return [{ check: "integrity", status: "problem", message: errorMessage(error) }];
  }
  if (lines.length === 1 && lines[0] === "ok") {
    return [{ check: "integrity", status: "ok", message: "PRAGMA integrity_check: ok" }];
  }
  // One row may hold several lines, under a "*** in database main ***" heading.
  const found = lines
    .flatMap((line) => line.split("\n"))
    .filter((line) => line.trim() !== "" && !line.startsWith("*** in database"));
  const findings: Finding[] = found
    .slice(0, LISTED_INTEGRITY_LINES)
    .map((line) => ({ check: "integrity", status: "problem", message: line }));
  if (found.length > LISTED_INTEGRITY_LINES) {
    findings.push({
      check: "integrity",
      status: "problem",
      message: `... and ${found.length - LISTED_INTEGRITY_LINES} more lines of PRAGMA integrity_check`,
    });
  }
  return findings;
}

function journalFindings(
  journal: JournalCheck | null,
  journalFile: string,
  replayProblem: string | undefined,
): Finding[] {
  if (journal === null) {
    return [
      { check: "journal", status: "ok", message: "none: the database file holds every save" },
    ];
  }
  const findings: Finding[] = [];
  if (journal.damage !== null) {
    findings.push({
      check: "journal",
      status: "problem",
      message: `${journalFile}: ${journal.damage}; opening the database is refused until it is repaired (the repair command cuts the journal there, keeping a copy)`,
    });
  } else if (replayProblem !== undefined) {
    findings.push({
      check: "journal",
      status: "problem",
      message: `${journalFile}: ${replayProblem}`,
    });
  } else {
    const first = journal.entries[0];
    const last = journal.entries.at(-1);
    findings.push({
      check: "journal",
      status: "ok",
      message:
        first === undefined || last === undefined
          ? "empty"
          : `${plural(journal.entries.length, "record")} (sequence ${first.sequence} to ${last.sequence}), checksums valid`,
    });
  }
  if (journal.tornGroup !== null) {
    const { offset, bytes, sequences } = journal.tornGroup;
    findings.push({
      check: "journal",
      status: "warning",
      message: `${journalFile}: a torn last group write at offset ${offset} (${plural(bytes, "byte")}, with whole records of sequence ${sequenceList(sequences)} after a damaged one), as a power loss mid-save leaves; none of it was acknowledged, and the next open drops it`,
    });
  }
  if (journal.tornTail !== null) {
    findings.push({
      check: "journal",
      status: "warning",
      message: `${journalFile}: a torn last record at offset ${journal.tornTail.offset} (${plural(journal.tornTail.bytes, "byte")}), as a crash mid-save leaves; it was never acknowledged, and the next open drops it`,
    });
  }
  return findings;
}

/** Every row through the store's restore: each field it refuses, by thread, is a problem. */
async function checkRows(persistence: Persistence, fileOnly: boolean): Promise<Finding[]> {
  let store: NegotiationStateStore;
  try {
    store = await openNegotiationStore({ persistence });
  } catch (error) {
    // A read-only store refuses a database without the table, saying so.
    return [{ check: "rows", status: "problem", message: storageDetail(error) }];
  }
  try {
    return await rowFindings(
      store,
      fileOnly ? " (those in the database file: the journal's could not be read)" : "",
    );
  } finally {
    await store.close();
  }
}

/**
 * What a failed open says went wrong, without the database's name in front (the heading
 * of `verify` names it).
 *
 * @param error - What the open threw.
 * @returns A `StorageError`'s `detail`, else the message.
 */
export function storageDetail(error: unknown): string {
  return error instanceof StorageError ? error.detail : errorMessage(error);
}
