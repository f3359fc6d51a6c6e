#!/usr/bin/env node
/**
 * `negotiation-state`: the operator's command line (`npx negotiation-state --help`). Runs
 * under Node, Deno (`--allow-read --allow-write`) and Bun.
 *
 * @packageDocumentation
 */
import process from "node:process";
import { runCli } from "./cli/run-cli.js";

// A reader that stops early (`| head`) closes the pipe: the output is no longer wanted.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
}).then((status) => {
  process.exitCode = status;
});
