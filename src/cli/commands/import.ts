import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { errorMessage } from "../../errors/negotiation-error.js";
import { filePersistence } from "../../persistence/file-persistence.js";
import { parseExactJson } from "../../store/exact-json.js";
import type { NegotiationStateStore } from "../../store/negotiation-state-store.js";
import type { NegotiationStateRow } from "../../store/negotiation-state-table.js";
import { openNegotiationStore } from "../../store/open-negotiation-store.js";
import { RowReadCache } from "../../store/row-read-cache.js";
import { action, type CliContext } from "../cli-context.js";
import { milliseconds } from "../option-values.js";
import { plural } from "../plural.js";
import { isPostgresUrl, openPostgresDatabase } from "../postgres-url.js";
import { createProgress } from "../progress.js";
import { printable } from "../terminal.js";
import { wireToRow } from "../wire-to-row.js";

/** How many refusals are listed; the rest are counted. */
const LISTED_REFUSALS = 50;

/** One refused field, on one line of the file. */
interface LineRefusal {
  readonly line: number;
  readonly field: string;
  readonly problem: string;
}

/** Registers `import`: negotiations from JSON lines, checked first, written all or nothing. */
export function registerImport(program: Command, context: CliContext): void {
  program
    .command("import")
    .summary("load negotiations from JSON lines (as export writes them), all or nothing")
    .description(
      [
        "Load negotiations from a file of JSON lines, one negotiation per line, as `export` writes them. The JSON columns (context_json, campaign_json, cpm_tracker_json, history_json) may be JSON values or their JSON text (a string, as stored); blank lines are skipped.",
        "Every line is checked before anything is written: JSON syntax; exactly the nine fields; every column as the store checks each row it writes and reads back (the thread id; state and history_json agree, each entry a transition the state machine allows and the last one ending in state; the round count; the context, campaign and CPM tracker; created_at and updated_at as UTC YYYY-MM-DDTHH:MM:SSZ), so that verify passes what import writes; each thread_id once in the file. If any line is refused, every refusal is listed with its line number and field (the first 50, then how many more), nothing is written, and the exit status is 1.",
        'Otherwise every line is written in one transaction, durable when the command returns: all of them, or none if the write fails. Each row keeps the line\'s values as given (decimals keep their digits, "25.50" stays "25.50") and its own created_at and updated_at, so an export imported into an empty database exports the same lines. A negotiation whose thread_id is already in the database is replaced, its whole row, by the line; the database\'s other negotiations are left as they are. The summary says how many were replaced.',
        "The database (and its table) is created when missing. Takes the writer lock: refused while an agent has the database open, unless --wait gives it time to close. On PostgreSQL (a postgres:// URL), the schema and table are created when missing and no lock is taken: agents may write beside the import (--wait does nothing), and its one transaction commits every line or none. A progress bar is drawn on standard error for files of more than 1000 lines, only when it is a terminal.",
      ].join("\n\n"),
    )
    .argument("<database>", "the database file (created when missing), or a postgres:// URL")
    .argument("<file>", "the JSON lines file, as export writes it")
    .option("-w, --wait <ms>", "how long to wait for the writer lock", milliseconds, 0)
    .action(
      action(context, async (database: string, file: string, options: { wait: number }) => {
        // Opened before the lines are read, to name it; connected only to write.
        const postgres = isPostgresUrl(database) ? await openPostgresDatabase(database) : undefined;
        try {
          const text = await readText(postgres?.location ?? database, file);
          const { rows, refusals, lineCount } = checkLines(context, text);
          if (refusals.length > 0) {
            reportRefusals(context, file, refusals, lineCount);
            return;
          }
          let replaced = 0;
          if (postgres !== undefined) {
            replaced = await postgres.write((store) => writeRows(context, store, rows));
          } else {
            const store = await openNegotiationStore({
              persistence: filePersistence(database, { lockTimeout: options.wait }),
            });
            try {
              replaced = await writeRows(context, store, rows);
            } finally {
              await store.close();
            }
          }
          context.out(
            `Imported ${plural(rows.length, "negotiation")} (${replaced} replaced) into ${postgres?.location ?? resolve(database)}`,
          );
        } finally {
          await postgres?.close();
        }
      }),
    );
}

/** The first bytes of every SQLite database file: `SQLite format 3` and a NUL. */
const SQLITE_MAGIC = [...new TextEncoder().encode("SQLite format 3"), 0];

/**
 * The file's text; a file that is not text (a SQLite database, a compressed or other binary
 * file) is refused in one line saying what it is, rather than line by line as "not JSON".
 * `database` is the target as the advice for a SQLite file names it: the path as given, or
 * the URL without its password.
 */
async function readText(database: string, file: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new Error(`Cannot read ${resolve(file)}: ${errorMessage(error)}`);
  }
  const path = resolve(file);
  if (SQLITE_MAGIC.every((byte, index) => bytes[index] === byte)) {
    throw new Error(
      `${path} is a SQLite database, not JSON lines; to copy its negotiations, run: negotiation-state export ${shellWord(file)} --out negotiations.jsonl && negotiation-state import ${shellWord(database)} negotiations.jsonl`,
    );
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new Error(`${path} is gzip-compressed, not JSON lines: decompress it first (gunzip)`);
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new Error(
      `${path} is UTF-16 text; import reads JSON lines in UTF-8, as export writes them`,
    );
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw new Error(
      `${path} is a binary file, not JSON lines: it holds a NUL byte at offset ${nul}`,
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${path} is not UTF-8 text, so not JSON lines as export writes them`);
  }
}

/** A path as a shell reads it back: quoted when it holds anything but plain characters. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Checks every line; the rows come back only when no line is refused. */
function checkLines(
  context: CliContext,
  text: string,
): { rows: NegotiationStateRow[]; refusals: LineRefusal[]; lineCount: number } {
  const lines = text.split("\n");
  // The end of the last line is not one more line.
  if (lines.at(-1) === "") lines.pop();
  const progress = createProgress(context.terminal.stderr, {
    total: lines.length,
    unit: "lines checked",
  });
  const rows: NegotiationStateRow[] = [];
  const refusals: LineRefusal[] = [];
  const firstLineOf = new Map<string, number>();
  const cache = new RowReadCache();
  lines.forEach((raw, index) => {
    progress.update(index);
    const line = index + 1;
    const source = (index === 0 ? raw.replace(/^\uFEFF/, "") : raw).replace(/\r$/, "");
    if (source.trim() === "") return;
    let value: unknown;
    try {
      value = parseExactJson(source);
    } catch (error) {
      refusals.push({ line, field: "", problem: `not JSON: ${errorMessage(error)}` });
      return;
    }
    const checked = wireToRow(value, cache);
    for (const { field, problem } of checked.refusals ?? []) {
      refusals.push({ line, field, problem });
    }
    const threadId = (value as { thread_id?: unknown } | null)?.thread_id;
    if (typeof threadId === "string" && threadId !== "") {
      const first = firstLineOf.get(threadId);
      if (first === undefined) firstLineOf.set(threadId, line);
      else {
        refusals.push({
          line,
          field: "thread_id",
          problem: `${JSON.stringify(threadId)} is also on line ${first}; a file holds each negotiation once`,
        });
      }
    }
    if (checked.row) rows.push(checked.row);
  });
  progress.finish();
  return { rows, refusals, lineCount: lines.length };
}

function reportRefusals(
  context: CliContext,
  file: string,
  refusals: readonly LineRefusal[],
  lineCount: number,
): void {
  const { red, bold } = context.errorColors;
  for (const { line, field, problem } of refusals.slice(0, LISTED_REFUSALS)) {
    context.err(
      `${bold(`line ${line}:`)} ${printable(field === "" ? problem : `${field}: ${problem}`)}`,
    );
  }
  if (refusals.length > LISTED_REFUSALS) {
    context.err(`... and ${refusals.length - LISTED_REFUSALS} more`);
  }
  const lines = new Set(refusals.map((refusal) => refusal.line)).size;
  context.err(
    `${red("refused:")} ${resolve(file)}: ${plural(refusals.length, "problem")} on ${lines} of ${plural(lineCount, "line")}; nothing was imported`,
  );
  context.fail();
}

/**
 * Writes every row in one transaction, each with `putRow` (checked again by the store, and
 * written as it is).
 *
 * @returns How many rows replaced one already there.
 */
async function writeRows(
  context: CliContext,
  store: NegotiationStateStore,
  rows: readonly NegotiationStateRow[],
): Promise<number> {
  const progress = createProgress(context.terminal.stderr, {
    total: rows.length,
    unit: "negotiations written",
  });
  try {
    return await store.transaction(async (tx) => {
      let replaced = 0;
      for (const [index, row] of rows.entries()) {
        progress.update(index);
        if (await tx.putRow(row)) replaced++;
      }
      return replaced;
    });
  } finally {
    progress.finish();
  }
}
