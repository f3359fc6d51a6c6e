import { copyFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { defineConfig } from "tsup";

const require = createRequire(import.meta.url);

export default defineConfig({
  entry: {
    index: "src/index.ts",
    file: "src/file.ts",
    indexeddb: "src/indexeddb.ts",
    cli: "src/cli.ts",
  },
  format: ["esm", "cjs"],
  // The command line is a program, not an API.
  dts: { entry: { index: "src/index.ts", file: "src/file.ts", indexeddb: "src/indexeddb.ts" } },
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "neutral",
  treeshake: true,
  // The engine fetches `./sql-wasm.wasm` beside the build in browsers; sql.js is pinned to
  // one version, so this copy always matches the script that loads it.
  onSuccess: async () => {
    await copyFile(require.resolve("sql.js/dist/sql-wasm.wasm"), "dist/sql-wasm.wasm");
    // The command line runs as ESM (its bin is dist/cli.js); a CommonJS copy is dead weight.
    await rm("dist/cli.cjs", { force: true });
    await rm("dist/cli.cjs.map", { force: true });
  },
});
