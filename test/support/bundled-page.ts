import { copyFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { build } from "esbuild";

/** The package's files a page loads by URL, beside its bundle. */
const PACKAGE_FILES = [
  "sql-wasm.wasm",
  "indexed-db-checkpoint-worker.js",
  "shared-place-relay-worker.js",
];

/**
 * Makes `folder` a site whose page runs `entry` against the built package, as a browser
 * test serves it: `entry` bundled by esbuild (the package imported by name resolves to
 * dist/), the package's WASM, IndexedDB checkpoint worker and shared place relay beside it
 * (esbuild emits none of them), and an `index.html` that loads the bundle as a module.
 *
 * @param entry - The page's script (JavaScript or TypeScript).
 * @param folder - Created if missing.
 * @param without - Files of the package to leave out, as a site that forgot them.
 * @throws esbuild's error when the script does not bundle; an fs error when dist/ is not built.
 */
export async function bundlePage(
  entry: string,
  folder: string,
  without: readonly string[] = [],
): Promise<void> {
  const script = basename(entry).replace(/\.[cm]?[jt]s$/, ".js");
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    outfile: join(folder, script),
    logLevel: "silent",
  });
  for (const file of PACKAGE_FILES) {
    if (!without.includes(file)) await copyFile(`dist/${file}`, join(folder, file));
  }
  await writeFile(
    join(folder, "index.html"),
    `<!doctype html><link rel="icon" href="data:,"><script type="module" src="./${script}"></script>`,
  );
}
