import { copyFile, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { build, defineConfig, type Options } from "tsup";

const require = createRequire(import.meta.url);

/**
 * Built only to cut the bundle where tree-shaking needs a cut, then removed (see
 * onSuccess): esbuild puts the modules reached by the same entries in one chunk, so
 * without an entry of its own the state machine would share its chunk with money and
 * the campaign schema, and importing the machine alone would pull big.js (whose
 * package does not declare itself free of side effects) into a consumer's bundle.
 */
const CHUNK_CUTS = { "chunk-cut-state-machine": "src/domain/negotiation-state-machine.ts" };

/**
 * The worker thread the file target starts by its URL beside the other modules (as ESM from
 * either build), built whole into one file after the main build: as an entry of it, it
 * would share chunks with the main entry and change how they are cut.
 */
const SNAPSHOT_WORKER: Options = {
  config: false,
  entry: { "snapshot-worker": "src/snapshot-worker.ts" },
  format: ["esm"],
  splitting: false,
  clean: false,
  dts: false,
  sourcemap: false,
  target: "es2022",
  platform: "neutral",
  removeNodeProtocol: false,
  external: [/^node:/],
  treeshake: true,
  silent: true,
};

/**
 * The dedicated worker the IndexedDB target starts by its URL beside the other modules, built
 * whole into one file as {@link SNAPSHOT_WORKER} is, with sql.js inside: an esbuild user
 * copies it beside a bundle as is, where a bare import of sql.js would not resolve. Its
 * whitespace is dropped: sql.js ships minified, and esbuild would print it out again over
 * 2,000 lines (100 KB instead of 50); names stay, for stack traces.
 */
const INDEXED_DB_CHECKPOINT_WORKER: Options = {
  ...SNAPSHOT_WORKER,
  entry: { "indexed-db-checkpoint-worker": "src/indexed-db-checkpoint-worker.ts" },
  platform: "browser",
  external: [],
  noExternal: ["sql.js"],
  esbuildOptions: (options) => {
    options.minifyWhitespace = true;
  },
};

/**
 * The shared worker that hands lines between the contexts of a shared place, started by its
 * URL beside the other modules as the checkpoint worker is; it imports nothing at run time.
 */
const SHARED_PLACE_RELAY_WORKER: Options = {
  ...SNAPSHOT_WORKER,
  entry: { "shared-place-relay-worker": "src/shared-place-relay-worker.ts" },
  platform: "browser",
  external: [],
};

/** The entries a consumer imports (or runs: the command line). */
const ENTRIES = {
  index: "src/index.ts",
  file: "src/file.ts",
  // What `negotiation-state/file` resolves to under the `browser` condition.
  "file.browser": "src/file.browser.ts",
  indexeddb: "src/indexeddb.ts",
  postgres: "src/postgres.ts",
  cli: "src/cli.ts",
};

/** An import or re-export of a chunk: what it binds, if anything, and the chunk. */
const CHUNK_IMPORT = /^(?:import|export) (?:(.+) from )?'\.\/(chunk-\w+\.js)';$/gm;
/** A bare import of a chunk, whole line. */
const BARE_CHUNK_IMPORT = /^import '\.\/(chunk-\w+\.js)';\n/gm;

/**
 * Drops from an entry the bare imports (`import './chunk-X.js'`) of chunks that another of
 * its imports already reaches. esbuild imports from an entry every chunk its modules reach;
 * when the entry binds nothing from one, a consumer's bundler warns that it ignores the
 * import (the package declares no side effects). The chunks hold no side effects, and the
 * chunk that binds from it loads it first either way.
 */
async function dropReachedBareImports(entry: string): Promise<void> {
  const reached = new Set<string>();
  const visit = async (chunk: string): Promise<void> => {
    for (const [, , next] of (await readFile(`dist/${chunk}`, "utf8")).matchAll(CHUNK_IMPORT)) {
      if (next && !reached.has(next)) {
        reached.add(next);
        await visit(next);
      }
    }
  };
  const text = await readFile(entry, "utf8");
  for (const [, bindings, chunk] of text.matchAll(CHUNK_IMPORT)) {
    if (bindings && chunk) await visit(chunk);
  }
  const kept = text.replace(BARE_CHUNK_IMPORT, (line, chunk: string) =>
    reached.has(chunk) ? "" : line,
  );
  if (kept !== text) await writeFile(entry, kept);
}

export default defineConfig({
  entry: { ...ENTRIES, ...CHUNK_CUTS },
  format: ["esm", "cjs"],
  // The CommonJS entries share chunks as the ESM ones do, so each error class exists once
  // and `instanceof` holds across `negotiation-state`, `/file` and `/indexeddb`.
  splitting: true,
  // The command line is a program, not an API.
  dts: {
    entry: {
      index: "src/index.ts",
      file: "src/file.ts",
      indexeddb: "src/indexeddb.ts",
      postgres: "src/postgres.ts",
    },
    // The store and the adapter declare `[Symbol.asyncDispose]`: a consumer whose own `lib`
    // predates it (es2022, say) must still type-check them with `skipLibCheck: false`.
    banner: '/// <reference lib="esnext.disposable" />',
  },
  clean: true,
  // The build is not minified, so stack traces into dist/ read as they are; maps would
  // point at src/ files that are not published (and double the tarball).
  sourcemap: false,
  target: "es2022",
  platform: "neutral",
  // Node builtins keep their `node:` prefix, which Deno needs and bundlers recognise.
  removeNodeProtocol: false,
  // node-postgres is an optional peer: only `negotiation-state/postgres` imports it.
  external: [/^node:/, "pg"],
  treeshake: true,
  // The engine fetches `./sql-wasm.wasm` beside the build in browsers; sql.js is pinned to
  // one version, so this copy always matches the script that loads it.
  onSuccess: async () => {
    await copyFile(require.resolve("sql.js/dist/sql-wasm.wasm"), "dist/sql-wasm.wasm");
    // The command line runs as ESM (its bin is dist/cli.js), and bundlers take the
    // browser stand-in of `/file` as ESM: CommonJS copies of them are dead weight.
    await rm("dist/cli.cjs", { force: true });
    await rm("dist/file.browser.cjs", { force: true });
    for (const cut of Object.keys(CHUNK_CUTS)) {
      await rm(`dist/${cut}.js`, { force: true });
      await rm(`dist/${cut}.cjs`, { force: true });
    }
    for (const entry of Object.keys(ENTRIES)) await dropReachedBareImports(`dist/${entry}.js`);
    await build(SNAPSHOT_WORKER);
    await build(INDEXED_DB_CHECKPOINT_WORKER);
    await build(SHARED_PLACE_RELAY_WORKER);
  },
});
