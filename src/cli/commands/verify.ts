import { resolve } from "node:path";
import type { Command } from "commander";
import { openSqlJsAdapter, type SqlJsAdapter } from "../../adapter/sql-js-adapter.js";
import { errorMessage } from "../../errors/negotiation-error.js";
import { StorageError } from "../../persistence/errors.js";
import { JOURNAL_SUFFIX } from "../../persistence/file-persistence.js";
import { nodeFileSystem, readIfPresent } from "../../persistence/file-system.js";
import type { JournalEntry, Persistence } from "../../persistence/persistence.js";
import { readCommittedDatabase } from "../../persistence/shared-sqlite-file.js";
import { TABLE } from "../../store/negotiation-state-table.js";
import { action, type CliContext } from "../cli-context.js";
import { checkJournal, type JournalCheck, sequenceList } from "../journal-check.js";
import { plural } from "../plural.js";
import { printable } from "../terminal.js";
import { type CampaignChecks, WIRE_FIELDS, wireToRow } from "../wire-format.js";

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
        "database: the file is a SQLite database that opens. integrity: SQLite's PRAGMA integrity_check says ok (each line it reports otherwise is listed). journal: if there is one (<database>.ns-journal), every record's length, CRC-32 and sequence, and that it continues the database file; a damaged record followed by a record of a later group write (saves written and synced together), or records out of sequence, is a problem (opening the database would be refused; the repair command cuts it), while a torn last record, or a last group write of which a power loss kept some pages and not an earlier one, is only a warning: a crash mid-save leaves one, it was never acknowledged, and the next open drops it. rows: every negotiation reads back through the schemas (state and history, context, campaign, CPM tracker, timestamps), each problem named by thread and column; these are the checks import makes, so a database that passes exports a file that imports.",
        "Read-only: takes no lock and changes no file, so it may run while an agent has the database open.",
      ].join("\n\n"),
    )
    .argument("<database>", "the database file")
    .option(
      "--json",
      'print the findings as JSON: {"database", "ok", "problems", "warnings", "checks": [{"check", "status", "message"}]}',
    )
    .action(
      action(context, async (database: string, options: { json?: boolean }) => {
        const file = resolve(database);
        const findings = await verifyDatabase(file);
        if (options.json) {
          const { problems, warnings } = countFindings(findings);
          if (problems > 0) context.fail();
          context.out(
            JSON.stringify(
              { database: file, ok: problems === 0, problems, warnings, checks: findings },
              null,
              2,
            ),
          );
          return;
        }
        printFindings(context, file, findings);
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
 *
 * @param file - The database file (absolute).
 * @returns What each check found; a `problem` fails the verification, a `warning` does not.
 */
export async function verifyDatabase(file: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const journalFile = `${file}${JOURNAL_SUFFIX}`;
  let files: StoredFiles;
  let journal: JournalCheck | null;
  try {
    files = await readFiles(file, journalFile);
    journal = files.journal && checkJournal(files.journal);
    if (journal?.damage) {
      // A writer emptying and refilling the journal while it was read can make it look
      // damaged; a second read tells that from damage that stays.
      files = await readFiles(file, journalFile);
      journal = files.journal && checkJournal(files.journal);
    }
  } catch (error) {
    return [{ check: "database", status: "problem", message: errorMessage(error) }];
  }
  if (files.snapshot === null && files.journal === null) {
    return [{ check: "database", status: "problem", message: `there is no database at ${file}` }];
  }

  const entries = journal?.entries ?? [];
  let adapter: SqlJsAdapter | undefined;
  let replayProblem: string | undefined;
  try {
    adapter = await openVerifying(file, files.snapshot, entries);
  } catch (error) {
    if (entries.length > 0) {
      // Told apart: a journal that does not continue the file, or a file that does not open.
      adapter = await openVerifying(file, files.snapshot, []).catch(() => undefined);
      if (adapter !== undefined) replayProblem = storageDetail(error);
    }
    if (adapter === undefined) {
      findings.push({
        check: "database",
        status: "problem",
        message: storageDetail(error),
      });
    }
  }
  if (adapter !== undefined) {
    const wal =
      files.walFrames === 0
        ? ""
        : `, with the ${plural(files.walFrames, "committed frame")} of ${file}-wal that a SQLite program has not checkpointed yet`;
    findings.push({
      check: "database",
      status: "ok",
      message:
        files.snapshot === null
          ? "no database file yet: its journal holds every save"
          : `opens (${plural(files.snapshot.length, "byte")}${wal})`,
    });
  }
  try {
    if (adapter !== undefined) findings.push(...(await checkIntegrity(adapter)));
    findings.push(...journalFindings(journal, journalFile, replayProblem));
    if (adapter !== undefined) {
      findings.push(
        ...(await checkRows(adapter, replayProblem !== undefined || !!journal?.damage)),
      );
    }
  } finally {
    await adapter?.close();
  }
  return findings;
}

interface StoredFiles {
  /** The database file with what a SQLite program committed to its WAL. */
  readonly snapshot: Uint8Array | null;
  readonly walFrames: number;
  readonly journal: Uint8Array | null;
}

/** The journal first: a checkpoint running meanwhile writes the file before it empties the journal. */
async function readFiles(file: string, journalFile: string): Promise<StoredFiles> {
  const journal = await readIfPresent(nodeFileSystem, journalFile);
  const { image: snapshot, walFrames } = await readCommittedDatabase(nodeFileSystem, file);
  return { snapshot, walFrames, journal };
}

/**
 * Opens what was read, as a reader would, with the journal entries given: the adapter
 * checks the SQLite header, reads the schema and replays the entries the file lacks. The
 * persistence only hands over these bytes: nothing is locked, nothing is written.
 */
function openVerifying(
  file: string,
  snapshot: Uint8Array | null,
  journal: readonly JournalEntry[],
): Promise<SqlJsAdapter> {
  const persistence: Persistence = {
    location: file,
    readOnly: true,
    open: async () => ({ snapshot, journal }),
    checkpoint: async () => {
      throw new StorageError(`verify does not change ${file}`, { location: file });
    },
    close: async () => {},
  };
  return openSqlJsAdapter({ persistence });
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

async function checkRows(adapter: SqlJsAdapter, fileOnly: boolean): Promise<Finding[]> {
  const [table] = await adapter.all(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
    [TABLE],
  );
  if (table === undefined) {
    return [{ check: "rows", status: "problem", message: `there is no ${TABLE} table` }];
  }
  let rows: Record<string, unknown>[];
  try {
    rows = await adapter.all(`SELECT * FROM ${TABLE} ORDER BY created_at, thread_id`);
  } catch (error) {
    return [{ check: "rows", status: "problem", message: errorMessage(error) }];
  }
  const findings: Finding[] = [];
  const campaigns: CampaignChecks = new Map();
  for (const row of rows) {
    // Only the table's own columns: a table with more (another tool's) is still fine.
    const columns = Object.fromEntries(
      WIRE_FIELDS.filter((name) => Object.hasOwn(row, name)).map((name) => [name, row[name]]),
    );
    const where = `${TABLE}[${JSON.stringify(row.thread_id)}]`;
    for (const { field, problem } of wireToRow(columns, campaigns).refusals ?? []) {
      findings.push({
        check: "rows",
        status: "problem",
        message: `${where}${field === "" ? "" : `.${field}`}: ${problem}`,
      });
    }
  }
  if (findings.length === 0) {
    findings.push({
      check: "rows",
      status: "ok",
      message: `${plural(rows.length, "negotiation")} read back through the schemas${fileOnly ? " (those in the database file: the journal's could not be read)" : ""}`,
    });
  }
  return findings;
}

/** What a failed open says went wrong, without the database's name in front. */
function storageDetail(error: unknown): string {
  return error instanceof StorageError ? error.detail : errorMessage(error);
}
