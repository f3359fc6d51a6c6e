import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type ChromiumSearch, chromiumPath, findChromium } from "./chromium.js";

function searchIn(files: readonly string[], env: ChromiumSearch["env"] = {}): ChromiumSearch {
  const cache = "/cache/ms-playwright";
  return {
    env,
    systemPaths: ["/usr/bin/chromium", "/usr/bin/google-chrome"],
    playwrightCache: cache,
    exists: (path) => files.includes(path),
    list: (folder) =>
      folder === cache
        ? [
            ...new Set(
              files.filter((f) => f.startsWith(`${cache}/`)).map((f) => f.split("/")[3] ?? ""),
            ),
          ]
        : [],
  };
}

describe("finding the Chromium the browser tests drive", () => {
  it("takes CHROMIUM_PATH over everything else, and refuses it when it is not there", () => {
    const files = ["/opt/chrome", "/usr/bin/chromium"];
    expect(findChromium(searchIn(files, { CHROMIUM_PATH: "/opt/chrome" }))).toBe("/opt/chrome");
    expect(() => findChromium(searchIn(files, { CHROMIUM_PATH: "/opt/gone" }))).toThrow(
      /CHROMIUM_PATH names \/opt\/gone/,
    );
  });

  it("takes the system's before Playwright's cache", () => {
    const files = [
      "/usr/bin/google-chrome",
      "/cache/ms-playwright/chromium-1200/chrome-linux/chrome",
    ];
    expect(findChromium(searchIn(files))).toBe("/usr/bin/google-chrome");
  });

  it("takes the newest revision in Playwright's cache, comparing revisions as numbers", () => {
    const files = [
      "/cache/ms-playwright/chromium-999/chrome-linux/chrome",
      "/cache/ms-playwright/chromium-1255/chrome-linux64/chrome",
      "/cache/ms-playwright/chromium_headless_shell-2000/chrome-linux/headless_shell",
    ];
    expect(findChromium(searchIn(files))).toBe(
      "/cache/ms-playwright/chromium-1255/chrome-linux64/chrome",
    );
  });

  it("finds none on a machine without one", () => {
    expect(findChromium(searchIn([]))).toBeUndefined();
  });

  it("finds this machine's, which the browser tests then launch", () => {
    const path = chromiumPath();
    expect(existsSync(path)).toBe(true);
  });
});
