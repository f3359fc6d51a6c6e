import { cp, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StaticServer, serveFolder } from "../support/static-server.js";
import {
  closePageTest,
  createPageProject,
  launchChromium,
  shareBetweenTabs,
  visitTwice,
  watchPage,
} from "./installed-page.js";

// The page of the Vite test, bundled by esbuild. esbuild leaves
// `new URL("./sql-wasm.wasm", import.meta.url)` as it is and emits no WASM, nor the
// IndexedDB checkpoint worker, nor the shared place's relay, so the documented step is to
// copy negotiation-state/sql-wasm.wasm, negotiation-state/indexed-db-checkpoint-worker.js
// and negotiation-state/shared-place-relay-worker.js beside the bundle. Without the WASM, the page fails with the package's error naming the
// missing URL.

let project: string;
let server: StaticServer;
let browser: Browser;
/** The bundle and the page, as esbuild leaves them. */
let withoutWasm: string;
/** The same, with the WASM, the checkpoint worker and the relay copied beside the bundle. */
let withWasm: string;

beforeAll(async () => {
  project = await createPageProject("esbuild");
  const result = await build({
    absWorkingDir: project,
    entryPoints: ["main.js"],
    bundle: true,
    format: "esm",
    platform: "browser",
    outdir: "dist",
    logLevel: "silent",
  });
  expect([...result.errors, ...result.warnings]).toEqual([]);
  await cp(join(project, "index.html"), join(project, "dist", "index.html"));
  await cp(join(project, "dist"), join(project, "dist-with-wasm"), { recursive: true });
  const wasm = createRequire(join(project, "package.json")).resolve(
    "negotiation-state/sql-wasm.wasm",
  );
  expect(wasm).toBe(join(project, "node_modules", "negotiation-state", "dist", "sql-wasm.wasm"));
  await cp(wasm, join(project, "dist-with-wasm", "sql-wasm.wasm"));
  for (const worker of ["indexed-db-checkpoint-worker.js", "shared-place-relay-worker.js"]) {
    const file = createRequire(join(project, "package.json")).resolve(
      `negotiation-state/${worker}`,
    );
    await cp(file, join(project, "dist-with-wasm", worker));
  }
  server = await serveFolder(project);
  withoutWasm = new URL("dist/", server.url).href;
  withWasm = new URL("dist-with-wasm/", server.url).href;
  browser = await launchChromium();
}, 120_000);

afterAll(() => closePageTest({ browser, server, project }));

describe("an esbuild-bundled page", () => {
  it("emits no WASM or worker of its own", async () => {
    expect((await readdir(join(project, "dist"))).sort()).toEqual(["index.html", "main.js"]);
  });

  it("without the WASM copied beside the bundle, fails naming the missing URL", async () => {
    const { page, pageErrors, wasmResponses } = await watchPage(browser);
    try {
      const failed = page.waitForEvent("pageerror", { timeout: 30_000 });
      await page.goto(withoutWasm);
      await failed;
      expect(pageErrors).toHaveLength(1);
      expect(pageErrors[0]).toContain(
        `Cannot load SQLite's WASM from ${withoutWasm}sql-wasm.wasm: HTTP 404`,
      );
      expect(pageErrors[0]).toContain("negotiation-state/sql-wasm.wasm copied there");
      expect(wasmResponses).toEqual([404]);
      expect(await page.locator("body[data-done]").count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it("with the WASM and the worker copied beside the bundle, saves to IndexedDB and restores after a reload", async () => {
    await visitTwice(browser, withWasm);
  });

  it("with the relay copied beside the bundle, a second tab forwards to the first over a line", async () => {
    await shareBetweenTabs(browser, withWasm);
  });
});
