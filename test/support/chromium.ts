import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** Where the tests look for a Chromium, and how they get one; injectable for tests. */
export interface ChromiumSearch {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Browsers the system may have, most specific first. */
  readonly systemPaths: readonly string[];
  /** The folder Playwright downloads browsers into. */
  readonly playwrightCache: string;
  readonly exists: (path: string) => boolean;
  readonly list: (folder: string) => readonly string[];
}

/** Where Chromium or Chrome lives on Debian, Ubuntu, Fedora and macOS. */
export const SYSTEM_CHROMIUM_PATHS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome-stable",
  "/usr/bin/google-chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];

/** Where a Playwright-downloaded Chromium's binary sits inside its `chromium-<revision>` folder. */
const PLAYWRIGHT_BINARIES = [
  "chrome-linux64/chrome",
  "chrome-linux/chrome",
  "chrome-mac-arm64/Chromium.app/Contents/MacOS/Chromium",
  "chrome-mac/Chromium.app/Contents/MacOS/Chromium",
];

/**
 * The Chromium to drive: `CHROMIUM_PATH` when it is set (and then only that one), else the
 * system's, else the newest one in Playwright's cache (`PLAYWRIGHT_BROWSERS_PATH` or
 * `~/.cache/ms-playwright`).
 *
 * @returns Its path, or `undefined` when there is none.
 * @throws When `CHROMIUM_PATH` names a file that is not there.
 */
export function findChromium(search: ChromiumSearch = defaultSearch()): string | undefined {
  const chosen = search.env.CHROMIUM_PATH;
  if (chosen !== undefined && chosen !== "") {
    if (!search.exists(chosen))
      throw new Error(`CHROMIUM_PATH names ${chosen}, which is not there`);
    return chosen;
  }
  const system = search.systemPaths.find((path) => search.exists(path));
  if (system !== undefined) return system;
  const revisions = search
    .list(search.playwrightCache)
    .filter((name) => /^chromium-\d+$/.test(name))
    .sort((a, b) => revisionOf(b) - revisionOf(a));
  for (const revision of revisions) {
    for (const binary of PLAYWRIGHT_BINARIES) {
      const path = join(search.playwrightCache, revision, binary);
      if (search.exists(path)) return path;
    }
  }
  return undefined;
}

/**
 * The Chromium the browser tests drive ({@link findChromium}). When there is none, installs
 * one the way the platform allows, saying so on stderr: Debian's package when this runs as
 * root where `apt-get` exists (it brings the libraries Chromium needs), else Playwright's
 * download (`playwright install chromium`).
 *
 * @throws When none is found and installing one failed, saying how to get one.
 */
export function chromiumPath(): string {
  const found = findChromium();
  if (found !== undefined) return found;
  const byApt = process.platform === "linux" && process.getuid?.() === 0 && onPath("apt-get");
  const steps: [string, string[]][] = byApt
    ? [
        ["apt-get", ["update"]],
        ["apt-get", ["install", "-y", "chromium"]],
      ]
    : [[process.execPath, [playwrightCli(), "install", "chromium"]]];
  process.stderr.write(
    `No Chromium found (CHROMIUM_PATH, ${SYSTEM_CHROMIUM_PATHS[0]} and the like, Playwright's cache): installing one for the browser tests with ${byApt ? "apt-get install chromium" : "playwright install chromium"}\n`,
  );
  try {
    for (const [command, args] of steps) {
      execFileSync(command, args, { stdio: ["ignore", process.stderr, process.stderr] });
    }
  } catch (error) {
    throw new Error(
      `Could not install Chromium (${(error as Error).message}): install it (apt-get install chromium, or npx playwright install chromium) and set CHROMIUM_PATH to it if it is elsewhere`,
    );
  }
  const installed = findChromium();
  if (installed === undefined) throw new Error("Chromium was installed but is not where expected");
  process.stderr.write(`Chromium installed: ${installed}\n`);
  return installed;
}

function defaultSearch(): ChromiumSearch {
  return {
    env: process.env,
    systemPaths: SYSTEM_CHROMIUM_PATHS,
    playwrightCache:
      process.env.PLAYWRIGHT_BROWSERS_PATH || join(homedir(), ".cache", "ms-playwright"),
    exists: existsSync,
    list: (folder) => {
      try {
        return readdirSync(folder);
      } catch {
        return [];
      }
    },
  };
}

function revisionOf(folder: string): number {
  return Number(folder.slice("chromium-".length));
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "")
    .split(":")
    .some((folder) => folder !== "" && existsSync(join(folder, command)));
}

function playwrightCli(): string {
  return join(dirname(createRequire(import.meta.url).resolve("playwright/package.json")), "cli.js");
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
