import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { filePersistence } from "../../src/file.js";
import { isNegotiationError, openNegotiationStore } from "../../src/index.js";
import { bundlePage } from "../support/bundled-page.js";
import { CHROMIUM_ARGS, chromiumPath } from "../support/chromium.js";
import { type LockHolderProcess, startLockHolder } from "../support/lock-holder-process.js";
import { serveFolder } from "../support/static-server.js";

const TAB_PAGE = fileURLToPath(new URL("./tab-page.js", import.meta.url));

let folder: string;
let file: string;
const holders: LockHolderProcess[] = [];

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-locks-"));
  file = join(folder, "negotiations.db");
});

afterEach(async () => {
  for (const holder of holders.splice(0)) holder.child.kill("SIGKILL");
  await rm(folder, { recursive: true, force: true });
});

function startHolder(lockTimeout: number, ...threadIds: string[]): LockHolderProcess {
  const holder = startLockHolder(file, lockTimeout, threadIds);
  holders.push(holder);
  return holder;
}

async function threadsInFile(): Promise<string[]> {
  const store = await openNegotiationStore({ persistence: filePersistence(file) });
  try {
    return (await store.loadActive()).map((row) => row.thread_id).sort();
  } finally {
    await store.close();
  }
}

describe("two processes on one file", () => {
  it("refuses the second while the first holds it, naming the holder", async () => {
    const first = startHolder(0, "a-1");
    expect(await first.nextLine()).toBe(`holding ${first.child.pid}`);

    const second = startHolder(0, "b-1");
    expect(await second.nextLine()).toBe(
      `refused DATABASE_LOCKED: Database ${file} is locked: held by process ${first.child.pid} on ${hostname()}`,
    );
    const refused = await openNegotiationStore({ persistence: filePersistence(file) }).catch(
      (error: unknown) => error,
    );
    expect(isNegotiationError(refused, "DATABASE_LOCKED")).toBe(true);

    first.close();
    expect(await first.nextLine()).toBe("closed");
    expect(await threadsInFile()).toEqual(["a-1"]);
  });

  it("lets the second wait when asked, and it goes on from the first one's saves", async () => {
    const first = startHolder(0, "a-1", "a-2");
    expect(await first.nextLine()).toMatch(/^holding/);
    const second = startHolder(10_000, "b-1");
    const secondLine = second.nextLine();
    await new Promise((resolve) => setTimeout(resolve, 300));
    first.close();
    expect(await first.nextLine()).toBe("closed");
    expect(await secondLine).toBe(`holding ${second.child.pid}`);
    second.close();
    expect(await second.nextLine()).toBe("closed");
    expect(await threadsInFile()).toEqual(["a-1", "a-2", "b-1"]);
  });

  it("takes over the lock of a killed process, keeping its acknowledged saves", async () => {
    const killed = startHolder(0, "a-1", "a-2");
    expect(await killed.nextLine()).toMatch(/^holding/);
    killed.child.kill("SIGKILL");
    await new Promise((resolve) => killed.child.once("exit", resolve));

    const next = startHolder(0, "b-1");
    expect(await next.nextLine()).toBe(`holding ${next.child.pid}`);
    next.close();
    expect(await next.nextLine()).toBe("closed");
    expect(await threadsInFile()).toEqual(["a-1", "a-2", "b-1"]);
  });

  it("gives a killed process's lock to exactly one of two processes racing for it", async () => {
    // Above Linux's largest pid (2^22), so no process can hold it: the lock is stale.
    const deadPid = 2 ** 22 + 1;
    for (let round = 0; round < 5; round += 1) {
      await writeFile(
        `${file}.lock`,
        JSON.stringify({ pid: deadPid, host: hostname(), token: "dead" }),
      );
      const racers = [startHolder(0, `x-${round}`), startHolder(0, `y-${round}`)];
      const lines = await Promise.all(racers.map((racer) => racer.nextLine()));
      const winners = racers.filter((_, index) => lines[index]?.startsWith("holding"));
      expect(winners, lines.join(" | ")).toHaveLength(1);
      const winner = winners[0] as LockHolderProcess;
      const loserLine = lines.find((line) => line.startsWith("refused")) ?? "";
      expect(loserLine).toContain(`held by process ${winner.child.pid}`);
      winner.close();
      expect(await winner.nextLine()).toBe("closed");
      await rm(`${file}.lock`, { force: true });
    }
  });
});

/** Runs a step of tab-page.js's `window.tab` in the tab. */
const call = (page: Page | undefined, step: string, argument?: unknown) =>
  (page as Page).evaluate(
    ([name, value]) =>
      (window as unknown as { tab: Record<string, (value: unknown) => unknown> }).tab[
        name as string
      ]?.(value),
    [step, argument] as const,
  );

/**
 * Serves tab-page.js, opens two tabs of one browser context (one origin's storage) on it,
 * and runs `body` with them; closes the browser and the server after.
 */
async function withTwoTabs(
  body: (first: Page, second: Page, context: BrowserContext) => Promise<void>,
): Promise<void> {
  const site = join(folder, "site");
  await bundlePage(TAB_PAGE, site);
  const server = await serveFolder(site);
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext();
    const [first, second] = await Promise.all([context.newPage(), context.newPage()]);
    for (const tab of [first, second]) {
      await tab.goto(server.url);
      await tab.waitForFunction(() => "tab" in window);
    }
    await body(first, second, context);
  } finally {
    await browser.close();
    await server.close();
  }
}

describe("two browser tabs on one IndexedDB name", () => {
  it("keeps a second writer out; the second tab's store forwards to the first, and takes over when it closes", () =>
    withTwoTabs(async (first, second) => {
      expect(await call(first, "open", 0)).toBe("open");
      await call(first, "save", "first-tab");
      expect(await call(second, "openWriter", 0)).toBe(
        "refused DATABASE_LOCKED: Database indexeddb:tabs is locked: another tab, worker or page of this origin has it open",
      );
      expect(await call(second, "openWriter", 300)).toContain("still had it open after 300 ms");

      expect(await call(second, "open", 0)).toBe("open");
      await call(second, "save", "second-tab");
      expect(await call(first, "threads")).toEqual(["first-tab", "second-tab"]);
      // Closing the tab, without closing the store, is what lets the lock go. A read made
      // meanwhile waits for the next writer: this tab.
      await first.close();
      expect(await call(second, "threads")).toEqual(["first-tab", "second-tab"]);
      await call(second, "save", "after-handover");
      expect(((await call(second, "threads")) as string[]).sort()).toEqual([
        "after-handover",
        "first-tab",
        "second-tab",
      ]);
    }));

  it("the writer tab's renderer killed mid-burst: the other tab takes over, keeps every acknowledged save, and says which calls are in doubt", () =>
    withTwoTabs(async (writer, follower, context) => {
      expect(await call(writer, "open", 0)).toBe("open");
      expect(await call(follower, "open", 0)).toBe("open");
      await call(follower, "save", "before");

      const cdp = await context.newCDPSession(writer);
      const crashed = new Promise((resolve) => writer.once("crash", resolve));
      let burstOver = false;
      const burst = (call(follower, "burst", ["burst", 300]) as Promise<string[]>).finally(() => {
        burstOver = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 60));
      // Page.crash never answers: the renderer it would answer from is gone.
      void cdp.send("Page.crash").catch(() => undefined);
      await crashed;
      expect(burstOver, "the renderer died while the burst went on").toBe(false);
      const outcomes = await burst;
      expect(outcomes).toHaveLength(300);
      expect(
        outcomes.filter((outcome) => outcome !== "ok" && outcome !== "WRITER_CHANGED"),
      ).toEqual([]);
      // The lanes went on past the crash: their last saves went to the next writer.
      expect(outcomes.slice(-3)).toEqual(["ok", "ok", "ok"]);
      const threads = new Set((await call(follower, "threads")) as string[]);
      const acknowledged = outcomes.flatMap((outcome, i) =>
        outcome === "ok" ? [`burst-${i}`] : [],
      );
      expect(acknowledged.filter((threadId) => !threads.has(threadId))).toEqual([]);
      expect(threads.has("before")).toBe(true);
    }));
});
