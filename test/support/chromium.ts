import { existsSync } from "node:fs";

/**
 * The Chromium the browser tests drive: Debian's `/usr/bin/chromium` (`apt-get install
 * chromium`) unless `CHROMIUM_PATH` names another, such as the one `npx playwright install
 * chromium` downloads.
 *
 * @throws When it is not there, saying how to get one.
 */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(path)) {
    throw new Error(
      `Chromium is not at ${path}: install it (apt-get install chromium, or npx playwright install chromium) and set CHROMIUM_PATH to it if it is elsewhere`,
    );
  }
  return path;
}

/**
 * Flags for a headless run on a machine without network or GPU: without the background
 * networking ones, Chromium keeps trying Google's hosts.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
