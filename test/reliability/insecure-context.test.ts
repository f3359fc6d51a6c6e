import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundlePage } from "../support/bundled-page.js";
import { CHROMIUM_ARGS, chromiumPath } from "../support/chromium.js";
import { type StaticServer, serveFolder } from "../support/static-server.js";

/*
 * DESIGN §6: in a browser, Web Locks keep a second writer out; a page that is not a secure
 * context has none, so opening for writing there is refused, saying so, rather than guarded
 * by a lock only its own tab sees (two tabs would both write, and one's acknowledged saves
 * be lost). The insecure origin is http://insecure.test:<port>, which Chromium resolves to
 * the test's loopback server (--host-resolver-rules); the same page served as
 * http://127.0.0.1:<port> is a secure context, with Web Locks.
 */

const PAGE = fileURLToPath(new URL("../support/writer-page.js", import.meta.url));
const INSECURE_HOST = "insecure.test";
const LOCATION = "indexeddb:writers";

let folder: string;
let server: StaticServer;
let browser: Browser;
let port: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-insecure-"));
  await bundlePage(PAGE, folder);
  server = await serveFolder(folder);
  port = new URL(server.url).port;
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    // Loopback only: the name maps to the address the server listens on, and nothing else.
    args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(folder, { recursive: true, force: true });
});

type Calls = Record<string, (argument?: unknown) => Promise<unknown>>;

/** Opens `count` tabs of one browser context (one origin's storage) at `origin`. */
async function tabsAt(origin: string, count: number): Promise<Page[]> {
  const context = await browser.newContext();
  const tabs: Page[] = [];
  for (let i = 0; i < count; i++) {
    const tab = await context.newPage();
    await tab.goto(`${origin}/`);
    await tab.waitForFunction(() => "writer" in window);
    tabs.push(tab);
  }
  return tabs;
}

/** Runs a call of writer-page.js in the tab, or in a dedicated worker it starts. */
function call(
  tab: Page,
  name: string,
  where: "page" | "worker" = "page",
  argument?: string,
): Promise<unknown> {
  return tab.evaluate(
    ([name, where, argument]) => {
      const page = window as unknown as {
        writer: Calls;
        inWorker: (name: string, argument?: unknown) => Promise<unknown>;
      };
      return where === "page" ? page.writer[name]?.(argument) : page.inWorker(name, argument);
    },
    [name, where, argument] as const,
  );
}

const refusal = (context: "page" | "worker", origin: string) => ({
  opened: false,
  name: "WebLocksUnavailableError",
  code: "WEB_LOCKS_UNAVAILABLE",
  secureContext: false,
  message: `Cannot open ${LOCATION} for writing: this ${context} (${origin}) is not a secure context, so the browser gives it no Web Locks (navigator.locks), and without them nothing keeps another tab of this origin from writing the database beside this one, losing saves either was told were durable; serve it over https, or from localhost, 127.0.0.1 or [::1]`,
});

describe("IndexedDB writers on a page that is not a secure context (Chromium)", () => {
  it("refuses to open for writing in every tab, saying why and what to do, and creates nothing", async () => {
    const origin = `http://${INSECURE_HOST}:${port}`;
    const tabs = await tabsAt(origin, 2);
    for (const tab of tabs) {
      // What makes the origin insecure, as the page sees it.
      expect(await call(tab, "scope")).toEqual({
        origin,
        isSecureContext: false,
        locks: "undefined",
      });
    }
    // Without the refusal, both tabs would open as writers here.
    const opened = [];
    for (const tab of tabs) opened.push(await call(tab, "open"));
    expect(opened).toEqual([refusal("page", origin), refusal("page", origin)]);
    for (const tab of tabs) expect(await call(tab, "databases")).toEqual([]);
  });

  it("refuses in a dedicated worker of such a page too", async () => {
    const origin = `http://${INSECURE_HOST}:${port}`;
    const [tab] = (await tabsAt(origin, 1)) as [Page];
    expect(await call(tab, "scope", "worker")).toEqual({
      origin,
      isSecureContext: false,
      locks: "undefined",
    });
    expect(await call(tab, "open", "worker")).toEqual(refusal("worker", origin));
    expect(await call(tab, "databases", "worker")).toEqual([]);
  });

  it("opens one writer when the same page is served from 127.0.0.1; the second tab and its worker forward to it", async () => {
    const origin = `http://127.0.0.1:${port}`;
    const [first, second] = (await tabsAt(origin, 2)) as [Page, Page];
    expect(await call(first, "scope")).toEqual({ origin, isSecureContext: true, locks: "object" });
    expect(await call(first, "open")).toEqual({ opened: true });
    expect(await call(first, "save", "page", "first-tab")).toBe("saved");
    for (const where of ["page", "worker"] as const) {
      expect(await call(second, "open", where)).toEqual({ opened: true });
      expect(await call(second, "save", where, `second-tab-${where}`)).toBe("saved");
    }
    expect(await call(first, "threads")).toEqual([
      "first-tab",
      "second-tab-page",
      "second-tab-worker",
    ]);
    expect(await call(second, "databases", "worker")).toEqual([
      LOCATION.slice("indexeddb:".length),
    ]);
  });
});
