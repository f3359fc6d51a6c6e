import { resolve } from "node:path";
import type { Command } from "commander";
import { replaceFileAtomically } from "../../persistence/atomic-file.js";
import { JOURNAL_SUFFIX } from "../../persistence/file-persistence.js";
import { nodeFileSystem } from "../../persistence/file-system.js";
import { stringifyExactJson } from "../../store/exact-json.js";
import { action, type CliContext } from "../cli-context.js";
import { plural } from "../plural.js";
import { DATABASE_ARGUMENT, isPostgresUrl } from "../postgres-url.js";
import { withReadOnlyStore } from "../read-only-store.js";
import { printable } from "../terminal.js";
import { rowToWire } from "../wire-format.js";

/** Registers `export`: every negotiation, one JSON line each. */
export function registerExport(program: Command, context: CliContext): void {
  program
    .command("export")
    .summary("write every negotiation as JSON lines (for import, backups, other tools)")
    .description(
      `Write every negotiation, in any state, oldest first, one JSON object per line: the row's columns under their own names (thread_id, state, round_count, context_json, campaign_json, cpm_tracker_json, history_json, created_at, updated_at), the JSON columns as JSON values. \`import\` reads this format back. Reads the database as it is now (the file and its journal, <database>${JOURNAL_SUFFIX}), read-only, without the writer lock: it may run while an agent has the database open, and changes nothing. On PostgreSQL (a postgres:// URL): what is committed, read in one statement, without a lock. A column that does not hold JSON is written as its text (a JSON string), reported on standard error, and the exit status is 1.`,
    )
    .argument("<database>", DATABASE_ARGUMENT)
    .option(
      "-o, --out <file>",
      "write to this file instead of standard output; it is replaced atomically (a temp file renamed over it), so a failed export leaves no half-written file",
    )
    .action(
      action(context, async (database: string, options: { out?: string }) => {
        const out = options.out === undefined ? undefined : resolve(options.out);
        if (out !== undefined && !isPostgresUrl(database)) refuseDatabaseFiles(database, out);
        const rows = await withReadOnlyStore(database, (store) => store.loadAll());
        const lines: string[] = [];
        for (const row of rows) {
          const { wire, textColumns } = rowToWire(row);
          lines.push(stringifyExactJson(wire));
          for (const column of textColumns) {
            context.err(
              `${context.errorColors.yellow("warning:")} thread ${printable(JSON.stringify(row.thread_id))}: ${column} is not JSON; exported as its text, which import will refuse`,
            );
            context.fail();
          }
        }
        if (out === undefined) {
          for (const line of lines) context.out(line);
          return;
        }
        const text = lines.map((line) => `${line}\n`).join("");
        await replaceFileAtomically(nodeFileSystem, out, new TextEncoder().encode(text));
        context.err(`Exported ${plural(lines.length, "negotiation")} to ${out}`);
      }),
    );
}

/** An export must never replace the database it reads, its journal or its lock. */
function refuseDatabaseFiles(database: string, out: string): void {
  const file = resolve(database);
  if ([file, `${file}${JOURNAL_SUFFIX}`, `${file}.lock`].includes(out)) {
    throw new Error(`--out ${out} is the database's own file; choose another one`);
  }
}
