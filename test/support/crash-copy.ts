import { copyFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { errorCode } from "../../src/errors/negotiation-error.js";
import { TEMP_MARK } from "../../src/persistence/atomic-file.js";

/**
 * Copies a database's folder as a crash now would leave it, into the existing folder `to`:
 * every file but the lock (which names this live process). Copied without yielding, so that
 * nothing this process does meanwhile (a save, the end of a checkpoint) lands in half of the
 * copy; a checkpoint's write or rename under way in the thread pool may, as it may in a
 * crash, and a temp file it renames away meanwhile is left out.
 *
 * @param from - The database's folder.
 * @param to - An empty folder.
 */
export function copyAsCrashWould(from: string, to: string): void {
  for (const name of readdirSync(from)) {
    if (name.endsWith(".lock")) continue;
    try {
      copyFileSync(join(from, name), join(to, name));
    } catch (error) {
      if (!(name.includes(TEMP_MARK) && errorCode(error) === "ENOENT")) throw error;
    }
  }
}
