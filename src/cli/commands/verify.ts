import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";

/** Registers `verify` (being written). */
export function registerVerify(program: Command, context: CliContext): void {
  void program;
  void context;
}
