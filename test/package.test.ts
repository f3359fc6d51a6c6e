import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

// The public names of DESIGN §3: other programs depend on them.
const MAIN_NAMES = [
  "NegotiationState",
  "NegotiationEvent",
  "TRANSITIONS",
  "TERMINAL_STATES",
  "NegotiationStateMachine",
  "NegotiationError",
  "InvalidTransitionError",
  "RestoreError",
  "PendingSqliteJournalError",
  "ForeignWriteError",
  "RowTooLargeError",
  "WebLocksUnavailableError",
  "CampaignSchema",
  "parseCampaign",
  "serializeCampaign",
  "deserializeCampaign",
  "CampaignCPMTracker",
  "initNegotiationStateTable",
  "NegotiationStateStore",
  "serializeContext",
  "deserializeContext",
  "serializeCpmTracker",
  "deserializeCpmTracker",
  "openNegotiationStore",
  "SqlJsAdapter",
  "openSqlJsAdapter",
  "memoryPersistence",
];

const packageJson = JSON.parse(readFileSync("package.json", "utf8"));

// Resolved at run time through the exports map, to the build in dist/ (not to src/).
const MAIN = "negotiation-state";
const FILE = "negotiation-state/file";
const INDEXEDDB = "negotiation-state/indexeddb";
const requireBuilt = createRequire(import.meta.url);

/** Each file of dist/ that a built entry loads, itself first, with its code. */
function loadedFiles(entry: string): Map<string, string> {
  const loaded = new Map([[entry, readFileSync(entry, "utf8")]]);
  for (const code of loaded.values()) {
    for (const [, file] of code.matchAll(/(?:from|import|require\()\s*['"]\.\/([^'"]+)['"]/g)) {
      if (!loaded.has(`dist/${file}`))
        loaded.set(`dist/${file}`, readFileSync(`dist/${file}`, "utf8"));
    }
  }
  return loaded;
}

/** An import or require of one of Node's builtins, with or without the `node:` prefix. */
const NODE_BUILTIN =
  /(?:from|import|require\()\s*['"](?:node:[\w/]+|(?:fs|fs\/promises|path|os|crypto|process|child_process|url|util)['"])/;

describe("the built package", () => {
  it("exports every contract name from the ESM and the CJS main entry", async () => {
    const esm = await import(MAIN);
    const cjs = requireBuilt(MAIN);
    for (const name of MAIN_NAMES) {
      expect(esm, name).toHaveProperty(name);
      expect(cjs, name).toHaveProperty(name);
    }
  });

  it("exports filePersistence from negotiation-state/file, in ESM and CJS", async () => {
    expect(typeof (await import(FILE)).filePersistence).toBe("function");
    expect(typeof requireBuilt(FILE).filePersistence).toBe("function");
  });

  it("exports indexedDbPersistence from negotiation-state/indexeddb, in ESM and CJS", async () => {
    expect(typeof (await import(INDEXEDDB)).indexedDbPersistence).toBe("function");
    expect(typeof requireBuilt(INDEXEDDB).indexedDbPersistence).toBe("function");
  });

  it("keeps every error class's name in a minified bundle", async () => {
    const folder = mkdtempSync(join(tmpdir(), "negotiation-state-minified-"));
    try {
      const bundle = join(folder, "bundle.mjs");
      await build({
        // Resolved from here, as the package resolves its own name.
        stdin: { contents: `export * from ${JSON.stringify(MAIN)};`, resolveDir: process.cwd() },
        bundle: true,
        minify: true,
        format: "esm",
        platform: "node",
        outfile: bundle,
        logLevel: "silent",
      });
      const minified = await import(pathToFileURL(bundle).href);
      const made: Record<string, unknown[]> = {
        NegotiationError: ["STORAGE_FAILED", "m"],
        InvalidTransitionError: ["agreed", "pause"],
        ValidationError: ["p", "m"],
        CampaignValidationError: [[{ path: "p", message: "m" }]],
        RestoreError: ["negotiation_state", [], []],
        ContextSerializationError: ["context.x", "m"],
        RowTooLargeError: ["p", "saving it", 2, 1, "memory"],
        StorageError: ["m"],
        DatabaseLockedError: ["db", "m"],
        CorruptDatabaseError: ["db", "m"],
        PendingSqliteJournalError: ["db", "db-wal", "m"],
        ForeignWriteError: ["db", "m"],
        WebLocksUnavailableError: ["db", false, "m"],
      };
      for (const [name, args] of Object.entries(made)) {
        const ErrorClass = minified[name] as new (...args: unknown[]) => Error;
        expect(new ErrorClass(...args).name, name).toBe(name);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("ships the WASM of the exact sql.js it loads", () => {
    // A WASM from another sql.js build fails to link with its script.
    expect(packageJson.dependencies["sql.js"]).toMatch(/^\d+\.\d+\.\d+$/);
    const shipped = readFileSync(requireBuilt.resolve("negotiation-state/sql-wasm.wasm"));
    for (const script of ["sql-wasm.wasm", "sql-wasm-browser.wasm"]) {
      expect(
        shipped.equals(readFileSync(requireBuilt.resolve(`sql.js/dist/${script}`))),
        script,
      ).toBe(true);
    }
  });

  it("keeps Node's builtins out of the main and IndexedDB entries and every chunk they load", () => {
    for (const entry of [
      "dist/index.js",
      "dist/index.cjs",
      "dist/indexeddb.js",
      "dist/indexeddb.cjs",
      "dist/file.browser.js",
    ]) {
      for (const [file, code] of loadedFiles(entry)) {
        expect(code, `${file}, loaded by ${entry}`).not.toMatch(NODE_BUILTIN);
      }
    }
    // The pattern finds what it looks for: the file target loads them, in both formats.
    for (const entry of ["dist/file.js", "dist/file.cjs"]) {
      const codes = [...loadedFiles(entry).values()];
      expect(
        codes.some((code) => NODE_BUILTIN.test(code)),
        entry,
      ).toBe(true);
    }
  });

  it("declares no side effects, types first in every export condition, and only the chosen runtime dependencies", () => {
    expect(packageJson.sideEffects).toBe(false);
    expect(packageJson.type).toBe("module");
    for (const [subpath, conditions] of Object.entries(packageJson.exports)) {
      if (typeof conditions === "string") continue;
      for (const [condition, target] of Object.entries(
        conditions as Record<string, Record<string, string>>,
      )) {
        expect(Object.keys(target)[0], `${subpath} ${condition}`).toBe("types");
      }
    }
    // @types/big.js too: the declarations type money as big.js's `Big`, so a TypeScript
    // user without it would get `any` for every amount (or TS7016 with strict lib checks).
    expect(Object.keys(packageJson.dependencies).sort()).toEqual([
      "@types/big.js",
      "big.js",
      "commander",
      "sql.js",
      "valibot",
    ]);
  });
});
