import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpack, { type Configuration, type Stats } from "webpack";
import { type StaticServer, serveFolder } from "../support/static-server.js";
import {
  closePageTest,
  createPageProject,
  launchChromium,
  shareBetweenTabs,
  visitTwice,
} from "./installed-page.js";

// The page of the Vite test, built by webpack 5 with no WASM configuration: webpack emits
// the WASM by itself, as an asset, from `new URL("./sql-wasm.wasm", import.meta.url)` in
// the package's build.

let project: string;
let stats: Stats;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  project = await createPageProject("webpack");
  const output = join(project, "dist");
  // All of it: no WASM rule, no resolve.fallback; the default target is "web".
  stats = await bundle({
    mode: "production",
    context: project,
    entry: "./main.js",
    output: { path: output },
  });
  await writeFile(join(output, "index.html"), await classicScriptPage(project));
  server = await serveFolder(output);
  browser = await launchChromium();
}, 120_000);

afterAll(() => closePageTest({ browser, server, project }));

function bundle(config: Configuration): Promise<Stats> {
  const compiler = webpack(config);
  return new Promise((resolve, reject) => {
    compiler.run((error, result) => {
      compiler.close(() => (error || !result ? reject(error) : resolve(result)));
    });
  });
}

/**
 * The page's index.html, loading webpack's bundle (a classic script, webpack's default
 * output) in place of main.js.
 */
async function classicScriptPage(project: string): Promise<string> {
  const html = await readFile(join(project, "index.html"), "utf8");
  const classic = html.replace(
    '<script type="module" src="./main.js">',
    '<script src="./main.js">',
  );
  expect(classic).not.toEqual(html);
  return classic;
}

describe("a webpack-built page", () => {
  it("builds without errors, warning only that the WASM is big", () => {
    const { errors, warnings } = stats.compilation;
    expect(errors.map((error) => error.message)).toEqual([]);
    // sql.js's browser build is chosen ("browser" condition), so no Node built-ins.
    expect(warnings.map((warning) => warning.name)).toEqual(["AssetsOverSizeLimitWarning"]);
    expect(warnings[0]?.message).toMatch(/\.wasm/);
  });

  it("emits the WASM as an asset of the build", async () => {
    const assets = await readdir(join(project, "dist"));
    expect(assets.filter((name) => name.endsWith(".wasm"))).toHaveLength(1);
  });

  it("loads the WASM by itself, saves to IndexedDB, and restores after a reload", async () => {
    await visitTwice(browser, server.url);
  });

  it("emits the shared place's relay: a second tab forwards to the first over a line", async () => {
    await shareBetweenTabs(browser, server.url);
  });
});
