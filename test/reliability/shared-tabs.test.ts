import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundlePage } from "../support/bundled-page.js";
import { CHROMIUM_ARGS, chromiumPath } from "../support/chromium.js";
import { type StaticServer, serveFolder } from "../support/static-server.js";
import { until } from "../support/until.js";

/*
 * DESIGN §3 "Several browser contexts, one store", with real tabs: three tabs of one origin
 * and a dedicated worker of the first open one IndexedDB name (the first tab writes, the
 * others forward to it) and save at once; then the writer's tab is closed, taking its
 * worker with it, and the others go on. Tabs forward over direct lines the place's relay
 * hands them; a site without the relay's script still works, over the channel alone.
 */

const PAGE = fileURLToPath(new URL("../support/writer-page.js", import.meta.url));
const PER_CONTEXT = 25;
/** How long, and how often, to wait for what other tabs heard: each look is a round trip. */
const TABS_POLL = { ms: 15_000, everyMs: 50 };

let folder: string;
let server: StaticServer;
/** The same site without the relay's script. */
let withoutRelay: StaticServer;
let browser: Browser;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-tabs-"));
  await bundlePage(PAGE, join(folder, "site"));
  await bundlePage(PAGE, join(folder, "without-relay"), ["shared-place-relay-worker.js"]);
  server = await serveFolder(join(folder, "site"));
  withoutRelay = await serveFolder(join(folder, "without-relay"));
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await withoutRelay?.close();
  await rm(folder, { recursive: true, force: true });
});

type Calls = Record<string, (argument?: unknown) => Promise<unknown>>;

/** A context of the test: a tab, or the dedicated worker of a tab. */
interface Context {
  readonly name: string;
  call(step: string, argument?: unknown): Promise<unknown>;
}

function inTab(tab: Page, name: string, where: "page" | "worker" = "page"): Context {
  return {
    name,
    call: (step, argument) =>
      tab.evaluate(
        ([step, where, argument]) => {
          const page = window as unknown as {
            writer: Calls;
            inWorker: (name: string, argument?: unknown) => Promise<unknown>;
          };
          return where === "page"
            ? page.writer[step as string]?.(argument)
            : page.inWorker(step as string, argument);
        },
        [step, where, argument] as const,
      ),
  };
}

const threadsOf = (prefix: string) =>
  Array.from({ length: PER_CONTEXT }, (_, i) => `${prefix}-${i}`);

/** `count` tabs of one new browser context (one origin's storage) on `site`. */
async function openTabs(site: StaticServer, count: number): Promise<Page[]> {
  const context = await browser.newContext();
  const tabs: Page[] = [];
  for (let i = 0; i < count; i++) {
    const tab = await context.newPage();
    await tab.goto(site.url);
    await tab.waitForFunction(() => "writer" in window);
    tabs.push(tab);
  }
  return tabs;
}

/** Two tabs on `site` with the store open, the first writing; `close` ends them. */
async function writerAndFollower(site: StaticServer) {
  const [first, second] = (await openTabs(site, 2)) as [Page, Page];
  const writer = inTab(first, "tab-1");
  const follower = inTab(second, "tab-2");
  for (const each of [writer, follower]) expect(await each.call("open")).toEqual({ opened: true });
  return { writer, follower, writerTab: first, close: () => first.context().close() };
}

/**
 * Waits until the calls of `followers` no longer cross the channel `writer` listens on:
 * each has a line to the writer open. Fails if one never does.
 */
async function untilLinesOpen(writer: Context, followers: readonly Context[]): Promise<void> {
  await writer.call("channelCalls");
  await until(async () => {
    for (const follower of followers) await follower.call("threads");
    return (await writer.call("channelCalls")) === 0;
  }, TABS_POLL);
}

describe("three tabs and a dedicated worker on one IndexedDB name (Chromium)", () => {
  it("save at once: every save lands, every context reads and hears the others', and the writer's tab closing hands over", async () => {
    const [first, second, third] = (await openTabs(server, 3)) as [Page, Page, Page];
    const contexts = [
      inTab(first, "tab-1"),
      inTab(first, "worker-1", "worker"),
      inTab(second, "tab-2"),
      inTab(third, "tab-3"),
    ];
    for (const each of contexts)
      expect(await each.call("open"), each.name).toEqual({ opened: true });
    const [writerTab, writerWorker, secondTab, thirdTab] = contexts as [
      Context,
      Context,
      Context,
      Context,
    ];
    await untilLinesOpen(writerTab, [secondTab, thirdTab]);

    const outcomes = await Promise.all(
      contexts.map((each) => each.call("saveMany", [each.name, PER_CONTEXT])),
    );
    expect(outcomes.flat()).toEqual(Array(contexts.length * PER_CONTEXT).fill("ok"));
    // Only the worker's saves crossed the channel: a dedicated worker cannot reach the
    // relay (no SharedWorker there), the tabs went over their lines.
    expect(await writerTab.call("channelCalls"), writerWorker.name).toBe(PER_CONTEXT);

    const every = contexts.flatMap((each) => threadsOf(each.name)).sort();
    for (const each of contexts) expect(await each.call("threads"), each.name).toEqual(every);
    for (const each of contexts) {
      await until(
        async () => ((await each.call("heard")) as string[]).length >= every.length,
        TABS_POLL,
      );
    }
    const heardByWriter = (await contexts[0]?.call("heard")) as string[];
    expect([...heardByWriter].sort()).toEqual(every);
    for (const each of contexts.slice(1)) {
      expect(
        await each.call("heard"),
        `${each.name} hears every change once, in one order`,
      ).toEqual(heardByWriter);
    }

    // The writer's tab closes without closing its store; its worker ends with it.
    await first.close();
    expect(await secondTab.call("threads")).toEqual(every);
    expect(await thirdTab.call("saveMany", ["after", 5])).toEqual(Array(5).fill("ok"));
    await until(
      async () => ((await secondTab.call("heard")) as string[]).length >= every.length + 5,
      TABS_POLL,
    );
    const afterwards = [...every, ...Array.from({ length: 5 }, (_, i) => `after-${i}`)].sort();
    expect(await secondTab.call("threads")).toEqual(afterwards);
    await second.context().close();
  });

  it("the writer closes its store while a tab saves over its line: none is in doubt, the rest go on to the next writer", async () => {
    const { writer, follower, close } = await writerAndFollower(server);
    await untilLinesOpen(writer, [follower]);

    const burst = follower.call("saveInTurn", ["burst", 200]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await writer.call("close")).toBe("closed");
    // The saves that reached the writer as it closed were answered as not run, on the
    // line: nothing is in doubt, and the rest went on to the next writer, this tab.
    expect(await burst).toEqual(Array(200).fill("ok"));
    expect(await follower.call("threads")).toEqual(
      Array.from({ length: 200 }, (_, i) => `burst-${i}`).sort(),
    );
    await close();
  });

  it("the writer's tab closed in the middle of a tab's burst over its line: the follower takes over, keeps every acknowledged save, and says which call was in doubt", async () => {
    const { writer, follower, writerTab } = await writerAndFollower(server);
    await untilLinesOpen(writer, [follower]);

    let burstOver = false;
    const burst = (follower.call("saveInTurn", ["burst", 300]) as Promise<string[]>).finally(() => {
      burstOver = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The tab goes without closing its store: no word to the follower but its lock freeing.
    await writerTab.close();
    expect(burstOver, "the tab closed while the burst went on").toBe(false);
    const outcomes = await burst;
    expect(outcomes.filter((outcome) => outcome !== "ok" && outcome !== "WRITER_CHANGED")).toEqual(
      [],
    );
    // At most the one save in flight was in doubt; the ones after went to the new writer.
    expect(outcomes.filter((outcome) => outcome === "WRITER_CHANGED").length).toBeLessThanOrEqual(
      1,
    );
    expect(outcomes.slice(-3)).toEqual(["ok", "ok", "ok"]);
    const threads = new Set((await follower.call("threads")) as string[]);
    const acknowledged = outcomes.flatMap((outcome, i) => (outcome === "ok" ? [`burst-${i}`] : []));
    expect(acknowledged.filter((threadId) => !threads.has(threadId))).toEqual([]);
    await writerTab.context().close();
  });

  it("a site without the relay's script: tabs forward over the channel, and every save lands", async () => {
    const { writer, follower, close } = await writerAndFollower(withoutRelay);
    await writer.call("channelCalls");
    expect(await follower.call("saveMany", ["channel", PER_CONTEXT])).toEqual(
      Array(PER_CONTEXT).fill("ok"),
    );
    expect(await writer.call("channelCalls")).toBe(PER_CONTEXT);
    expect(await writer.call("threads")).toEqual(threadsOf("channel").sort());
    await close();
  });
});
