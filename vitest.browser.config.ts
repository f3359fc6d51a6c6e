import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { playwright } from "@vitest/browser-playwright";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";
import { CHROMIUM_ARGS, chromiumPath } from "./test/support/chromium.js";

const require = createRequire(import.meta.url);

/**
 * The sources have no `sql-wasm.wasm` beside them (the build copies it into dist/), so the
 * dev server answers for the one in node_modules wherever the sources ask for it.
 */
function sqlWasmBesideSources(): Plugin {
  return {
    name: "sql-wasm-beside-sources",
    configureServer(server) {
      server.middlewares.use(async (request, response, next) => {
        if (
          !request.url?.startsWith("/src/") ||
          !request.url.split("?")[0]?.endsWith("/sql-wasm.wasm")
        ) {
          return next();
        }
        response.setHeader("Content-Type", "application/wasm");
        response.end(await readFile(require.resolve("sql.js/dist/sql-wasm.wasm")));
      });
    },
  };
}

/** Browser tests: the same suites in Debian's Chromium (or `CHROMIUM_PATH`), headless. */
export default defineConfig({
  plugins: [sqlWasmBesideSources()],
  optimizeDeps: { include: ["sql.js", "big.js", "valibot"] },
  test: {
    include: ["test/**/*.browser.test.ts"],
    globalSetup: ["test/support/build-once.ts"],
    testTimeout: 30_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath: chromiumPath(),
          args: CHROMIUM_ARGS,
        },
      }),
      instances: [{ browser: "chromium" }],
    },
  },
});
