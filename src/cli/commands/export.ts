import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";

/** Registers `export` (being written). */
export function registerExport(program: Command, context: CliContext): void {
  void program;
  void context;
}
