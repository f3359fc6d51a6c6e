import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { build, createServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StaticServer, serveFolder } from "../support/static-server.js";
import {
  closePageTest,
  createPageProject,
  launchChromium,
  shareBetweenTabs,
  visitTwice,
} from "./installed-page.js";

// A page that imports the package by name, as an installed dependency, with no WASM
// configuration, built by Vite and served as static files.

let project: string;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  project = await createPageProject("vite");
  await build({ root: project, logLevel: "silent", build: { target: "es2022" } });
  server = await serveFolder(join(project, "dist"));
  browser = await launchChromium();
}, 120_000);

afterAll(() => closePageTest({ browser, server, project }));

describe("a Vite-built page", () => {
  it("emits the WASM as an asset of the build", async () => {
    const assets = await readdir(join(project, "dist", "assets"));
    expect(assets.filter((name) => name.endsWith(".wasm"))).toHaveLength(1);
  });

  it("loads the WASM by itself, saves to IndexedDB, and restores after a reload", async () => {
    await visitTwice(browser, server.url);
  });

  it("emits the shared place's relay: a second tab forwards to the first over a line", async () => {
    await shareBetweenTabs(browser, server.url);
  });

  it("runs under Vite's dev server as well, with no configuration", async () => {
    const dev = await createServer({ root: project, logLevel: "silent", server: { port: 0 } });
    await dev.listen();
    try {
      await visitTwice(browser, dev.resolvedUrls?.local[0] as string);
      await shareBetweenTabs(browser, dev.resolvedUrls?.local[0] as string);
    } finally {
      await dev.close();
    }
  });
});
