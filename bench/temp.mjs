// One temp folder for the whole run, under os.tmpdir(), removed at the end (also on Ctrl-C).
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Runs `fn(folder)` with a fresh temp folder and removes the folder afterwards. */
export async function withTempFolder(fn) {
  const folder = await mkdtemp(join(tmpdir(), "negotiation-state-bench-"));
  const onSignal = (signal) => {
    rmSync(folder, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await fn(folder);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await rm(folder, { recursive: true, force: true });
  }
}
