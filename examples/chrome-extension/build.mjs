// Builds the unpacked extension into ./dist: `node examples/chrome-extension/build.mjs`.
// Needs the package's own build first (`npm run build` at the package root), since the
// extension imports `negotiation-state` as any consumer would.
import { copyFile, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const outdir = join(here, "dist");
const require = createRequire(import.meta.url);

await rm(outdir, { recursive: true, force: true });
const { metafile } = await build({
  absWorkingDir: here,
  entryPoints: {
    "service-worker": "src/service-worker.js",
    assistant: "src/assistant-page.js",
  },
  outdir,
  bundle: true,
  // MV3 service workers refuse import(): without splitting, the library's
  // `await import("sql.js")` is inlined rather than emitted as a chunk.
  splitting: false,
  format: "esm",
  platform: "browser",
  // Chrome 103 is the first to accept 'wasm-unsafe-eval' in an MV3 policy (manifest.json).
  target: "chrome103",
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning",
});

for (const output of Object.keys(metafile.outputs).filter((file) => file.endsWith(".js"))) {
  const code = await readFile(join(here, output), "utf8");
  if (/\bimport\s*\(/.test(code)) {
    throw new Error(`${output} contains import(), which Chrome refuses in a service worker`);
  }
}

for (const file of ["manifest.json", "assistant.html", "assistant.css"]) {
  await copyFile(join(here, file), join(outdir, file));
}
// The WASM the package ships, which matches the sql.js it pins and was bundled here.
await copyFile(require.resolve("negotiation-state/sql-wasm.wasm"), join(outdir, "sql-wasm.wasm"));
// The relay that gives the extension's pages direct lines to the one of them that writes
// while the service worker is stopped (esbuild does not emit it).
await copyFile(
  require.resolve("negotiation-state/shared-place-relay-worker.js"),
  join(outdir, "shared-place-relay-worker.js"),
);
console.log(`Built the extension in ${outdir}`);
