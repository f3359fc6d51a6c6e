import { Command, CommanderError } from "commander";
import { createCliContext, USAGE } from "./cli-context.js";
import { registerCheckpoint } from "./commands/checkpoint.js";
import { registerExport } from "./commands/export.js";
import { registerHistory } from "./commands/history.js";
import { registerImport } from "./commands/import.js";
import { registerList } from "./commands/list.js";
import { registerRepair } from "./commands/repair.js";
import { registerShow } from "./commands/show.js";
import { registerStats } from "./commands/stats.js";
import { registerVerify } from "./commands/verify.js";
import { POSTGRES_HELP } from "./postgres-url.js";
import type { OutputStream, Terminal } from "./terminal.js";

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** What `--version` (`-V`) prints: the package's version. Without it there is no such option. */
  readonly version?: string | undefined;
}

/**
 * Runs the `negotiation-state` command line.
 *
 * A command line that cannot be understood (an unknown command or option, a missing
 * argument, a bad option value) is answered on standard error with three lines: the error,
 * the usage of the command concerned, and where to find its options; `--help` prints the
 * whole help on standard output.
 *
 * @param args - The arguments after the program's name.
 * @param terminal - Where to write, and the environment.
 * @param options - The version to print.
 * @returns The exit status: 0 when everything passed, 1 when a command failed or found a
 *   problem, 2 for a command line that could not be understood.
 */
export async function runCli(
  args: readonly string[],
  terminal: Terminal,
  options: RunCliOptions = {},
): Promise<number> {
  const context = createCliContext(terminal);
  const program = new Command("negotiation-state")
    .description(
      [
        "Inspect, export, import and verify negotiation databases: SQLite files written by negotiation-state or the Python service, and PostgreSQL databases (a postgres:// URL).",
        POSTGRES_HELP,
      ].join("\n\n"),
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => terminal.stdout.write(text),
      writeErr: (text) => terminal.stderr.write(text),
      outputError: (text, write) => write(context.errorColors.red(text)),
      // Commander would ask the process's environment and streams itself, and under Deno
      // without --allow-env reading CLICOLOR_FORCE throws: the terminal has the answers.
      getOutHasColors: () => context.colors.enabled,
      getErrHasColors: () => context.errorColors.enabled,
      getOutHelpWidth: () => helpWidth(terminal.stdout),
      getErrHelpWidth: () => helpWidth(terminal.stderr),
    });
  for (const register of [
    registerList,
    registerShow,
    registerHistory,
    registerStats,
    registerExport,
    registerImport,
    registerVerify,
    registerCheckpoint,
    registerRepair,
  ]) {
    register(program, context);
  }
  if (options.version !== undefined) {
    program.version(options.version, "-V, --version", "print the version of negotiation-state");
  }
  for (const command of [program, ...program.commands]) {
    command.showHelpAfterError(usageHint(command, program));
  }
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version end this way too, with status 0.
    if (error.exitCode !== 0) context.fail(USAGE);
  }
  return context.status;
}

/**
 * What follows a usage error: the command's usage line, and where its help is. The help
 * itself would bury the error under a screenful of options.
 */
function usageHint(command: Command, program: Command): string {
  const name = command === program ? program.name() : `${program.name()} ${command.name()}`;
  const what = command === program ? "commands and options" : "options";
  return `usage: ${name} ${command.usage()}\nRun '${name} --help' for the ${what}.`;
}

/** Commander's default: a terminal's width, 80 columns elsewhere. */
function helpWidth(stream: OutputStream): number {
  return (stream.isTTY && stream.columns) || 80;
}
