import { cp, mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { build, createServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, chromiumPath } from "../support/chromium.js";
import { type StaticServer, serveFolder } from "../support/static-server.js";

// A page that imports the package by name, as an installed dependency, with no WASM
// configuration, built by Vite and served as static files.

let project: string;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "ns-vite-page-"));
  await cp(resolve("test/bundlers/page"), project, { recursive: true });
  await installPackage(project);
  await build({ root: project, logLevel: "silent", build: { target: "es2022" } });
  server = await serveFolder(join(project, "dist"));
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(project, { recursive: true, force: true });
});

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

describe("a Vite-built page", () => {
  it("emits the WASM as an asset of the build", async () => {
    const assets = await readdir(join(project, "dist", "assets"));
    expect(assets.filter((name) => name.endsWith(".wasm"))).toHaveLength(1);
  });

  it("loads the WASM by itself, saves to IndexedDB, and restores after a reload", async () => {
    await visitTwice(server.url);
  });

  it("runs under Vite's dev server as well, with no configuration", async () => {
    const dev = await createServer({ root: project, logLevel: "silent", server: { port: 0 } });
    await dev.listen();
    try {
      await visitTwice(dev.resolvedUrls?.local[0] as string);
    } finally {
      await dev.close();
    }
  });
});

/** Opens the page, then reloads it: the second load restores what the first saved. */
async function visitTwice(url: string): Promise<void> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  const wasmResponses: number[] = [];
  page.on("response", (response) => {
    if (response.url().endsWith(".wasm")) wasmResponses.push(response.status());
  });
  const cells = async () => {
    await page.waitForSelector("body[data-done]", { timeout: 30_000 });
    return page.locator("#negotiations td").allTextContents();
  };

  await page.goto(url);
  expect(await cells()).toEqual(["nothing restored", "awaiting_reply"]);
  await page.reload();
  expect(await cells()).toEqual(["awaiting_reply", "counter_received"]);
  expect(wasmResponses).toEqual([200, 200]);
  expect(problems).toEqual([]);
  await page.close();
}
