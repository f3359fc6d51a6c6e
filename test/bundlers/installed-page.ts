import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import { CHROMIUM_ARGS, chromiumPath } from "../support/chromium.js";
import type { StaticServer } from "../support/static-server.js";
import { until } from "../support/until.js";

// What the bundler tests share: a page (test/bundlers/page) that imports the package by
// name, in a project where the package is installed as npm installs it, and a Chromium
// that opens the built page.

/**
 * Makes a temporary project holding the page (`index.html`, `main.js`) with the package
 * installed in its `node_modules`.
 *
 * @param bundler - Names the temporary folder.
 * @returns The project's folder; the caller removes it.
 */
export async function createPageProject(bundler: string): Promise<string> {
  const project = await mkdtemp(join(tmpdir(), `ns-${bundler}-page-`));
  await cp(resolve("test/bundlers/page"), project, { recursive: true });
  await installPackage(project);
  return project;
}

/**
 * Lays the package out in `project/node_modules` as `npm install` would: its package.json
 * and build copied in, its dependencies beside it (linked to ours).
 */
async function installPackage(project: string): Promise<void> {
  const installed = join(project, "node_modules", "negotiation-state");
  await mkdir(installed, { recursive: true });
  await cp("package.json", join(installed, "package.json"));
  await cp("dist", join(installed, "dist"), { recursive: true });
  for (const dependency of ["sql.js", "big.js", "valibot"]) {
    await symlink(resolve("node_modules", dependency), join(project, "node_modules", dependency));
  }
}

/** Closes what a bundler test opened (whatever its setup got to) and removes its project. */
export async function closePageTest(opened: {
  browser?: Browser;
  server?: StaticServer;
  project?: string;
}): Promise<void> {
  await opened.browser?.close();
  await opened.server?.close();
  if (opened.project) await rm(opened.project, { recursive: true, force: true });
}

/** The Chromium the tests drive, headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}

/** A page being watched: what went wrong in it, and the statuses of its WASM requests. */
export interface WatchedPage {
  readonly page: Page;
  /** Uncaught errors and console errors, in order. */
  readonly problems: string[];
  /** Uncaught errors only. */
  readonly pageErrors: string[];
  /** The HTTP status of each `.wasm` response (the page's, and its workers'). */
  readonly wasmResponses: number[];
  /** The script URL of each dedicated worker the page started. */
  readonly workers: string[];
  /** Waits for the page to finish, then gives the cells of its table. */
  cells(): Promise<string[]>;
}

/** Opens a new page (a fresh browser context, so a fresh IndexedDB) and watches it. */
export async function watchPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.newPage();
  const problems: string[] = [];
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => {
    problems.push(error.message);
    pageErrors.push(error.message);
  });
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  const wasmResponses: number[] = [];
  page.on("response", (response) => {
    if (response.url().endsWith(".wasm")) wasmResponses.push(response.status());
  });
  const workers: string[] = [];
  page.on("worker", (worker) => workers.push(worker.url()));
  return {
    page,
    problems,
    pageErrors,
    wasmResponses,
    workers,
    async cells() {
      await page.waitForSelector("body[data-done]", { timeout: 30_000 });
      return page.locator("#negotiations td").allTextContents();
    },
  };
}

/**
 * Opens the page, then reloads it: the second load restores what the first saved. Each load
 * writes a checkpoint from the package's checkpoint worker, which loads the WASM too.
 */
export async function visitTwice(browser: Browser, url: string): Promise<void> {
  const { page, problems, wasmResponses, workers, cells } = await watchPage(browser);
  try {
    await page.goto(url);
    expect(await cells()).toEqual(["nothing restored", "awaiting_reply"]);
    await page.reload();
    expect(await cells()).toEqual(["awaiting_reply", "counter_received"]);
    expect(workers).toHaveLength(2);
    expect(wasmResponses).toEqual([200, 200, 200, 200]);
    expect(problems).toEqual([]);
  } finally {
    await page.close();
  }
}

/**
 * Opens the page with `?tabs` in two tabs of one browser context: the first writes, the
 * second forwards to it, over the channel until the package's relay hands it a line to the
 * first, and over that line from then on. Fails unless the line opens (the bundle came
 * with the relay, and it ran), and unless every save lands.
 */
export async function shareBetweenTabs(browser: Browser, url: string): Promise<void> {
  const context = await browser.newContext();
  const problems: string[] = [];
  try {
    const tabs = [await context.newPage(), await context.newPage()];
    for (const tab of tabs) {
      tab.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      await tab.goto(`${url}${url.includes("?") ? "&" : "?"}tabs`);
      await tab.waitForFunction(() => "tabs" in window);
    }
    const [writer, follower] = tabs as [Page, Page];
    type Tabs = {
      save(threadId: string): Promise<void>;
      threads(): Promise<string[]>;
      channelCalls(): number;
    };
    const onWriter = () =>
      writer.evaluate(() => (window as unknown as { tabs: Tabs }).tabs.channelCalls());
    let saved = 0;
    await onWriter();
    await until(async () => {
      await follower.evaluate(
        (threadId) => (window as unknown as { tabs: Tabs }).tabs.save(threadId),
        `tab-${saved++}`,
      );
      return (await onWriter()) === 0;
    });
    const threads = await writer.evaluate(() =>
      (window as unknown as { tabs: Tabs }).tabs.threads(),
    );
    expect(threads.sort()).toEqual(Array.from({ length: saved }, (_, i) => `tab-${i}`).sort());
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
}
