#!/usr/bin/env node
/**
 * `negotiation-state`: the operator's command line (`npx negotiation-state --help`). Runs
 * under Node, Deno (`--allow-read --allow-write`) and Bun.
 *
 * @packageDocumentation
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { runCli } from "./cli/run-cli.js";

// A reader that stops early (`| head`) closes the pipe: the output is no longer wanted.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, env: process.env },
  { version: packageVersion() },
).then((status) => {
  process.exitCode = status;
});

/**
 * The version in the package's own package.json: this file is built to dist/cli.js, one
 * folder below it, as the source is one below it in src/.
 */
function packageVersion(): string | undefined {
  try {
    const manifest = readFileSync(new URL("../package.json", import.meta.url), "utf8");
    return (JSON.parse(manifest) as { version?: string }).version;
  } catch {
    // A copy of this file bundled elsewhere: every command but --version still works.
    return undefined;
  }
}
