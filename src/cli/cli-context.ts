import { errorMessage } from "../errors/negotiation-error.js";
import { type Palette, paletteFor, renderTable, type Terminal } from "./terminal.js";

/** Exit status of a command line that could not be understood, or asks what cannot be done. */
export const USAGE = 2;

/** What every command gets: where to write, and in which colours. */
export interface CliContext {
  readonly terminal: Terminal;
  /** Writes a line to standard output. */
  out(line: string): void;
  /** Writes a line to standard error. */
  err(line: string): void;
  /**
   * Writes a table to standard output, fitted to the terminal's width when standard output
   * is a terminal (narrowing the `shrinkable` free-text columns, cutting with `…`); whole
   * when it is not, so that a pipe gets all of the data.
   */
  table(
    headers: readonly string[],
    rows: readonly (readonly string[])[],
    shrinkable?: readonly number[],
  ): void;
  /** Colours for standard output. */
  readonly colors: Palette;
  /** Colours for standard error. */
  readonly errorColors: Palette;
  /** Sets the exit status (1 when a command found problems), unless a worse one is set. */
  fail(status?: number): void;
  /** The exit status so far. */
  readonly status: number;
}

/**
 * Makes the context commands run in.
 *
 * @param terminal - The streams and environment.
 * @returns The context.
 */
export function createCliContext(terminal: Terminal): CliContext {
  let status = 0;
  return {
    terminal,
    out: (line) => terminal.stdout.write(`${line}\n`),
    err: (line) => terminal.stderr.write(`${line}\n`),
    table(headers, rows, shrinkable = []) {
      const { isTTY, columns } = terminal.stdout;
      const maxWidth = isTTY === true && columns !== undefined && columns > 0 ? columns : undefined;
      for (const line of renderTable(headers, rows, { maxWidth, shrinkable })) {
        terminal.stdout.write(`${line}\n`);
      }
    },
    colors: paletteFor(terminal.stdout, terminal.env),
    errorColors: paletteFor(terminal.stderr, terminal.env),
    fail(next = 1) {
      status = Math.max(status, next);
    },
    get status() {
      return status;
    },
  };
}

/**
 * Wraps a command's work: a failure is reported on standard error as one line naming what
 * went wrong, and sets the exit status to 1.
 *
 * @param context - The command's context.
 * @param work - What the command does.
 * @returns The action for commander.
 */
export function action<A extends unknown[]>(
  context: CliContext,
  work: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await work(...args);
    } catch (error) {
      context.err(`${context.errorColors.red("error:")} ${errorMessage(error)}`);
      context.fail();
    }
  };
}
