import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";

/** Registers `import` (being written). */
export function registerImport(program: Command, context: CliContext): void {
  void program;
  void context;
}
