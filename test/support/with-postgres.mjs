#!/usr/bin/env node
// `node test/support/with-postgres.mjs <command> [args...]`: runs the command with
// NEGOTIATION_STATE_PG_URL naming a PostgreSQL server, for the runners that have no vitest
// global setup (`deno test`). When the variable is already set, that server is used as it
// is; else a throwaway cluster is started for the command (finding or installing the server
// binaries, saying so) and stopped after it. Exits with the command's exit code.

import { spawn } from "node:child_process";
import { constants } from "node:os";
import { POSTGRES_URL_VARIABLE, postgresForRun } from "./postgres-server.mjs";

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  process.stderr.write("usage: node test/support/with-postgres.mjs <command> [args...]\n");
  process.exit(2);
}

const server = await postgresForRun(command);
const child = spawn(command, args, {
  stdio: "inherit",
  env: { ...process.env, [POSTGRES_URL_VARIABLE]: server.url },
});
// Ctrl-C reaches the child through the terminal; a signal sent to this process alone is passed on.
const forward = (signal) => child.kill(signal);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, forward);

const exitCode = await new Promise((resolve) => {
  child.once("error", (error) => {
    process.stderr.write(`with-postgres: could not run ${command}: ${error.message}\n`);
    resolve(127);
  });
  child.once("exit", (code, signal) => resolve(code ?? 128 + (constants.signals[signal] ?? 0)));
});
await server.stop();
process.exit(exitCode);
