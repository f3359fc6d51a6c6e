import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NegotiationStateMachine } from "../../src/domain/negotiation-state-machine.js";
import type { NegotiationEvent } from "../../src/domain/vocabulary.js";
import { CHROMIUM_ARGS, chromiumPath } from "../support/chromium.js";

// The Manifest V3 example of examples/chrome-extension, built and loaded unpacked into a
// real Chromium: its service worker keeps the store in IndexedDB, and the store must
// survive Chrome stopping the worker and the whole browser restarting.

const EXAMPLE = resolve("examples/chrome-extension");
const BUILT = join(EXAMPLE, "dist");
const TIMEOUT = 120_000;

/** The part of the extension API the page offers to `page.evaluate`. */
declare const chrome: { runtime: { sendMessage(message: unknown): Promise<unknown> } };

interface Summary {
  threadId: string;
  state: string;
  round: string;
  maxAllowedCpm: string;
}

/** A message to the worker: its `type`, and what that type needs. */
type Message = { type: string } & Record<string, unknown>;

type Answer = { ok: true; result: unknown } | { ok: false; error: { message: string } };

interface Browser {
  context: BrowserContext;
  page: Page;
  workerUrl: string;
}

const campaign = {
  campaign_id: "autumn-drop",
  client_name: "Northwind Outdoor",
  target_deliverables: "1 YouTube integration",
  budget: "8000",
  cpm_range: { min_cpm: "18", max_cpm: "25" },
  created_at: "2026-11-10T10:00:00Z",
};
const cpmTracker = {
  campaign_id: "autumn-drop",
  target_min_cpm: "18",
  target_max_cpm: "25",
  total_influencers: 4,
  agreements: [{ cpm: "21.5", engagement_rate: 3.4 }],
};
// Sent as JSON, the way a page or content script would: the machine as its snapshot.
const savedNegotiations = [
  sentNegotiation(
    "<autumn-1@mail.example>",
    ["send_offer", "receive_reply"],
    { influencer_name: "Dana Reyes", engagement_rate: 5.6, ask: "29" },
    1,
  ),
  sentNegotiation(
    "<autumn-2@mail.example>",
    ["send_offer", "pause"],
    { influencer_name: "Eli Brandt", engagement_rate: 2.5, next_cpm: "18.00" },
    0,
  ),
];

interface Status {
  startedAt: string;
  messagesHandled: number;
}

// By thread: the list is oldest first, but timestamps have whole seconds, so negotiations
// saved within one second may come in either order.
const before = [
  summary("<autumn-1@mail.example>", "counter_received", "1", "29.92"),
  summary("<autumn-2@mail.example>", "paused", "0", "26.17"),
  summary("thread-1-ava", "counter_received", "1", "34.50"),
  summary("thread-2-ben", "initial_offer", "0", "32.40"),
  summary("thread-3-chloé", "initial_offer", "0", "30.00"),
];

/** Fred, saved by message and advanced on the page while the worker was stopped. */
let fredAfter: Summary | undefined;
const after = [
  summary("<autumn-2@mail.example>", "paused", "0", "25.00"),
  summary("thread-1-ava", "counter_sent", "1", "34.50"),
  summary("thread-2-ben", "initial_offer", "0", "32.40"),
  summary("thread-3-chloé", "initial_offer", "0", "30.00"),
];

let profile: string;
let browser: Browser | undefined;

describe("the Chrome extension example", { timeout: TIMEOUT }, () => {
  beforeAll(async () => {
    profile = await mkdtemp(join(tmpdir(), "negotiation-extension-"));
  });

  afterAll(async () => {
    await browser?.context.close();
    await rm(profile, { recursive: true, force: true });
  });

  it("builds one ESM file per script, with no import(), beside the manifest, page and WASM", async () => {
    execFileSync(process.execPath, [join(EXAMPLE, "build.mjs")], { stdio: "pipe" });
    const files = await readdir(BUILT);
    expect(files).toEqual(
      expect.arrayContaining([
        "manifest.json",
        "assistant.html",
        "assistant.js",
        "service-worker.js",
        "sql-wasm.wasm",
      ]),
    );
    for (const script of ["service-worker.js", "assistant.js"]) {
      const code = await readFile(join(BUILT, script), "utf8");
      expect(code, script).not.toMatch(/\bimport\s*\(/);
      expect(code, script).not.toMatch(/^import\s/m);
    }
    const manifest = JSON.parse(await readFile(join(BUILT, "manifest.json"), "utf8"));
    expect(manifest.background).toEqual({ service_worker: "service-worker.js", type: "module" });
  });

  it("saves negotiations through the service worker and lists them on the assistant page", async () => {
    browser = await launch();
    const { page } = browser;

    expect(await list(page, "seed")).toEqual([
      summary("thread-1-ava", "initial_offer", "0", "34.50"),
      summary("thread-2-ben", "initial_offer", "0", "32.40"),
      summary("thread-3-chloé", "initial_offer", "0", "30.00"),
    ]);
    for (const negotiation of savedNegotiations) await send(page, { type: "save", negotiation });
    await send(page, { type: "advance", threadId: "thread-1-ava" });
    await send(page, { type: "advance", threadId: "thread-1-ava" });
    // Seeding adds the demo only to an empty store.
    expect(await list(page, "seed")).toEqual(before);
    expect(await shownOnPage(page)).toEqual(before);
  });

  it("rebuilds every negotiation from IndexedDB after Chrome stops the idle service worker", async () => {
    const { page, workerUrl } = requireBrowser();
    const first = await send<Status>(page, { type: "status" });

    await stopServiceWorker(page, workerUrl);

    // The event that wakes it reaches a new worker, which reopens the store on its own.
    expect(await list(page)).toEqual(before);
    const second = await send<Status>(page, { type: "status" });
    expect(second.startedAt).not.toBe(first.startedAt);
    expect(second.messagesHandled).toBe(2);
    expect(await shownOnPage(page)).toEqual(before);
  });

  it("advances negotiations from the page's button and by message, and an agreement updates the campaign's tracker", async () => {
    const { page } = requireBrowser();

    // Ava asks $38, above her max allowed $34.50: the assistant counters.
    await page.locator('tr[data-thread="thread-1-ava"] button').click();
    await expect
      .poll(() => page.locator('tr[data-thread="thread-1-ava"] td').nth(1).textContent())
      .toBe("counter_sent");
    // Dana asks $29, within her $29.92: agreed, so she leaves the unfinished list, and
    // Eli's tracker (saved in the same transaction) averages above target: no premium.
    await send(page, { type: "advance", threadId: "<autumn-1@mail.example>" });

    expect(await list(page)).toEqual(after);
    expect(await shownOnPage(page)).toEqual(after);
  });

  it("shows on the page, without a reload, a change another context made, and the page keeps working while Chrome stops the worker", async () => {
    const { context, page, workerUrl } = requireBrowser();
    await page.reload();
    await page.locator('#negotiations[aria-busy="false"]').waitFor();
    // The side panel runs the same page: a second extension page stands in for it.
    const panel = await context.newPage();
    await panel.goto(new URL("assistant.html", workerUrl).href);
    await panel.locator('#negotiations[aria-busy="false"]').waitFor();

    // A content script's way: a message the service worker answers from the same store.
    const fred = sentNegotiation("<autumn-3@mail.example>", [], { influencer_name: "Fred" }, 0);
    await send(page, { type: "save", negotiation: fred });
    for (const each of [page, panel]) {
      await expect.poll(() => stateShown(each, "<autumn-3@mail.example>")).toBe("initial_offer");
    }

    await stopServiceWorker(page, workerUrl);
    // The page writes now: its button works, and the panel hears the change.
    await page.locator('tr[data-thread="<autumn-3@mail.example>"] button').click();
    for (const each of [page, panel]) {
      await expect.poll(() => stateShown(each, "<autumn-3@mail.example>")).toBe("awaiting_reply");
    }
    expect(await page.locator("#status").textContent()).toBe("");
    // The next message wakes a worker, which answers through the page's store.
    const listed = await list(page);
    fredAfter = listed.find(({ threadId }) => threadId === "<autumn-3@mail.example>");
    expect(fredAfter?.state).toBe("awaiting_reply");
    expect(listed).toEqual(byThread([...after, fredAfter as Summary]));
    await panel.close();
  });

  it("finds every negotiation intact after the browser restarts on the same profile", async () => {
    await requireBrowser().context.close();
    browser = undefined;
    browser = await launch();

    const all = byThread([...after, fredAfter as Summary]);
    expect(await list(browser.page)).toEqual(all);
    expect(await shownOnPage(browser.page)).toEqual(all);
  });
});

/** A negotiation of the autumn-drop campaign as a message carries it, after `events`. */
function sentNegotiation(
  threadId: string,
  events: readonly NegotiationEvent[],
  context: Record<string, unknown>,
  roundCount: number,
): Record<string, unknown> {
  const machine = new NegotiationStateMachine();
  for (const event of events) machine.trigger(event);
  const { state, history } = machine.toSnapshot();
  return { threadId, state, history, context, campaign, cpmTracker, roundCount };
}

function summary(threadId: string, state: string, round: string, maxAllowedCpm: string): Summary {
  return { threadId, state, round, maxAllowedCpm };
}

function requireBrowser(): Browser {
  if (browser === undefined) throw new Error("the browser was not launched by an earlier test");
  return browser;
}

/** Launches Chromium on the test's profile with the built extension, and opens its page. */
async function launch(): Promise<Browser> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: [`--disable-extensions-except=${BUILT}`, `--load-extension=${BUILT}`, ...CHROMIUM_ARGS],
  });
  try {
    const worker =
      context.serviceWorkers()[0] ??
      (await context.waitForEvent("serviceworker", { timeout: 30_000 }));
    const page = await context.newPage();
    await page.goto(new URL("assistant.html", worker.url()).href);
    return { context, page, workerUrl: worker.url() };
  } catch (error) {
    await context.close();
    throw error;
  }
}

/** Sends a message from the page to the service worker, as the page's own script does. */
async function send<T = unknown>(page: Page, message: Message): Promise<T> {
  const answer = (await page.evaluate((m) => chrome.runtime.sendMessage(m), message)) as Answer;
  if (!answer.ok) throw new Error(`"${message.type}" failed: ${answer.error.message}`);
  return answer.result as T;
}

/** Asks the worker for its list (after seeding, with `"seed"`), by thread. */
async function list(page: Page, type: "list" | "seed" = "list"): Promise<Summary[]> {
  return byThread(await send<Summary[]>(page, { type }));
}

function byThread(summaries: Summary[]): Summary[] {
  return summaries.toSorted((a, b) => (a.threadId < b.threadId ? -1 : 1));
}

/** The state the page's table shows for `threadId`; `null` while it shows no such row. */
async function stateShown(page: Page, threadId: string): Promise<string | null> {
  const row = page.locator(`tr[data-thread="${threadId}"] td`);
  return (await row.count()) > 0 ? row.nth(1).textContent() : null;
}

/** Reloads the page and reads its table as the worker's summaries. */
async function shownOnPage(page: Page): Promise<Summary[]> {
  await page.reload();
  await page.locator('#negotiations[aria-busy="false"]').waitFor();
  expect(await page.locator("#status").textContent()).toBe("");
  const cells = await page
    .locator("#negotiations tbody tr")
    .evaluateAll((rows) =>
      rows.map((row) => [...row.querySelectorAll("td")].map((cell) => cell.textContent ?? "")),
    );
  return byThread(
    cells.map(([threadId = "", state = "", round = "", money = ""]) =>
      summary(threadId, state, round, money.replace(/^\$/, "")),
    ),
  );
}

/**
 * Stops the extension's service worker as Chrome does once it has been idle for 30 s, and
 * waits until DevTools reports it stopped (Playwright keeps showing a stopped extension
 * worker, so its own list cannot tell).
 */
async function stopServiceWorker(page: Page, workerUrl: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const stopped = new Promise<void>((resolveStopped) => {
      cdp.on("ServiceWorker.workerVersionUpdated", ({ versions }) => {
        const version = versions.find(({ scriptURL }) => scriptURL === workerUrl);
        if (version?.runningStatus === "stopped") resolveStopped();
      });
    });
    await cdp.send("ServiceWorker.enable");
    await cdp.send("ServiceWorker.stopAllWorkers");
    await stopped;
  } finally {
    await cdp.detach();
  }
}
