import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { CHROMIUM_ARGS, chromiumPath } from "./chromium.js";

/** How long a killed Chromium's processes may take to be gone. */
const GONE_TIMEOUT_MS = 10_000;

/** A headless Chromium run without Playwright, in a process group of its own. */
export interface ChromiumProcess {
  readonly pid: number;
  /** Settles once the browser process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The end of what it wrote on stderr, for a failure's message. */
  stderr(): string;
  /**
   * SIGKILLs every process of the browser (browser, zygote, renderers, network and storage
   * services) at once, as a crash would end them, and resolves once none is running.
   */
  killAll(): Promise<void>;
}

/**
 * Starts Chromium on `url` with the profile in `profile`, with the flags of the other
 * browser tests (no sandbox, no background networking), headless. Launched by hand, not by
 * Playwright, so that the same profile can be reopened after a kill and the whole process
 * group killed at once.
 *
 * @param profile - The `--user-data-dir`, kept from one launch to the next.
 * @param url - The page to open.
 */
export function launchChromium(profile: string, url: string): ChromiumProcess {
  const child = spawn(
    chromiumPath(),
    [...CHROMIUM_ARGS, "--headless", "--password-store=basic", `--user-data-dir=${profile}`, url],
    { detached: true, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Chromium did not start: ${chromiumPath()}`);
  return {
    pid,
    exited,
    stderr: () => stderr,
    async killAll() {
      try {
        process.kill(-pid, "SIGKILL");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      }
      await exited;
      const deadline = Date.now() + GONE_TIMEOUT_MS;
      while ((await runningInGroup(pid)).length > 0) {
        if (Date.now() > deadline) {
          throw new Error(`processes of Chromium's group ${pid} still run after SIGKILL`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

/**
 * The processes of group `group` that still run. A zombie has ended (its files and locks
 * are released) and only waits for its parent to reap it, which an init that does not reap
 * (as in some containers) never does: it does not count.
 */
async function runningInGroup(group: number): Promise<number[]> {
  const running: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === group && fields[0] !== "Z" && fields[0] !== "X") {
      running.push(Number(name));
    }
  }
  return running;
}
