import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Run in Chromium by vitest.browser.config.ts.
    exclude: ["test/**/*.browser.test.ts", "**/node_modules/**"],
    // Chromium before any file runs: the browser-driving tests must not install it twice.
    // PostgreSQL likewise, and one throwaway server (NEGOTIATION_STATE_PG_URL) for the run.
    globalSetup: [
      "test/support/build-once.ts",
      "test/support/ensure-chromium.ts",
      "test/support/ensure-postgres.ts",
    ],
    // Many tests run child processes (the CLI, killed writers) or a browser; a loaded CI
    // machine must not fail them for taking a few seconds.
    testTimeout: 30_000,
  },
});
