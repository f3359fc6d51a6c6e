import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built command line, as `npx negotiation-state` runs it (`package.json` `bin`). */
export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

const BIN = fileURLToPath(new URL("../../node_modules/.bin/", import.meta.url));

/** The runtime that runs the command line; the same file runs in each. */
export type CliRuntime = "node" | "deno" | "bun";

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /**
   * Added to the environment (`undefined` removes a variable). `FORCE_COLOR` and `NO_COLOR`
   * are removed from the inherited environment first, so a run is a plain pipe unless
   * they are given here.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `node` by default; `deno` runs with `--allow-read --allow-write` only. */
  readonly runtime?: CliRuntime;
  /** Written to the command's standard input, which is then closed. */
  readonly input?: string | Uint8Array;
  /** The working directory; this process's by default. */
  readonly cwd?: string;
  /** Killed (SIGKILL) after this many milliseconds, which fails the run; 20 s by default. */
  readonly timeout?: number;
}

/** How a run of the command line ended. */
export interface CliResult {
  /** The exit status. */
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real built binary (`dist/cli.js`, built by the vitest global setup) in a child
 * process, its standard output and error piped (so never a terminal), and waits for it.
 *
 * @param args - The arguments after the program's name.
 * @param options - Environment, runtime, standard input, working directory, time limit.
 * @returns Its exit status and everything it wrote.
 * @throws When it cannot be started, is killed by a signal, or outlives `timeout`.
 * @example
 * const { status, stdout } = await runCli(["list", "--json", file]);
 */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const [command, ...prefix] = commandLine(options.runtime ?? "node");
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(command as string, [...prefix, ...args], {
    env,
    cwd: options.cwd,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  // A command that does not read its input may exit before it is written.
  child.stdin.on("error", () => undefined);
  child.stdin.end(options.input ?? "");
  const timeout = options.timeout ?? 20_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      const result = {
        status: status ?? -1,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      };
      if (signal !== null) {
        reject(
          new Error(
            `negotiation-state ${args.join(" ")} was killed by ${signal}${signal === "SIGKILL" ? ` (after ${timeout} ms?)` : ""}; it wrote:\n${result.stdout}\n${result.stderr}`,
          ),
        );
      } else if (/Cannot find module|Module not found|ERR_MODULE_NOT_FOUND/.test(result.stderr)) {
        // Not the command's failure: dist/ is missing or being rebuilt (tsup empties it
        // first) by another run.
        reject(new Error(`The built command line could not be loaded:\n${result.stderr}`));
      } else {
        resolve(result);
      }
    });
  });
}

function commandLine(runtime: CliRuntime): string[] {
  switch (runtime) {
    case "node":
      return [process.execPath, CLI];
    case "deno":
      return [`${BIN}deno`, "run", "--allow-read", "--allow-write", CLI];
    case "bun":
      return [`${BIN}bun`, CLI];
  }
}
