import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build as esbuild } from "esbuild";
import { build as vite } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPageProject } from "../bundlers/installed-page.js";

// `negotiation-state/file` in a browser build: bundlers take its `browser` export, which
// needs no file system, and `filePersistence` then refuses with the package's own error,
// naming the target to use in a browser. Importing it does nothing.

/** What a page that (wrongly) asks for the file target sees. */
const PAGE = `import { isNegotiationError, StorageError } from "negotiation-state";
import { filePersistence } from "negotiation-state/file";

export function openFile(path) {
  try {
    filePersistence(path);
  } catch (error) {
    return {
      error,
      isStorageError: error instanceof StorageError,
      isStorageFailed: isNegotiationError(error, "STORAGE_FAILED"),
    };
  }
  return undefined;
}
`;

interface Attempt {
  readonly error: Error & { location?: string };
  readonly isStorageError: boolean;
  readonly isStorageFailed: boolean;
}

let project: string;

beforeAll(async () => {
  project = await createPageProject("file-in-browser");
  await writeFile(join(project, "file-page.js"), PAGE);
}, 60_000);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

/** Checks a built page: no Node builtin in it, nothing thrown on import, the refusal on use. */
async function expectRefusal(bundle: string): Promise<void> {
  const code = await readFile(bundle, "utf8");
  expect(code).not.toMatch(/["'](node:)?(fs|fs\/promises|path|os|crypto|process)["']/);
  const page = (await import(pathToFileURL(bundle).href)) as {
    openFile(path: string): Attempt | undefined;
  };
  const attempt = page.openFile("./negotiations.db");
  expect(attempt, "filePersistence returned instead of throwing").toBeDefined();
  const { error, isStorageError, isStorageFailed } = attempt as Attempt;
  expect(error.name).toBe("StorageError");
  expect(isStorageError).toBe(true);
  expect(isStorageFailed).toBe(true);
  expect(error.location).toBe("./negotiations.db");
  expect(error.message).toContain("./negotiations.db");
  expect(error.message).toContain("negotiation-state/indexeddb");
}

describe("negotiation-state/file in a browser build", () => {
  it("bundles with esbuild (platform browser) with no warning, and filePersistence throws naming negotiation-state/indexeddb", async () => {
    const outfile = join(project, "esbuild-out", "file-page.mjs");
    const result = await esbuild({
      absWorkingDir: project,
      entryPoints: ["file-page.js"],
      bundle: true,
      format: "esm",
      platform: "browser",
      outfile,
      logLevel: "silent",
    });
    expect([...result.errors, ...result.warnings]).toEqual([]);
    await expectRefusal(outfile);
  });

  it("bundles with Vite, and filePersistence throws naming negotiation-state/indexeddb", async () => {
    const outDir = join(project, "vite-out");
    await vite({
      root: project,
      logLevel: "silent",
      build: {
        target: "es2022",
        outDir,
        minify: false,
        lib: {
          entry: join(project, "file-page.js"),
          formats: ["es"],
          fileName: () => "file-page.mjs",
        },
      },
    });
    await expectRefusal(join(outDir, "file-page.mjs"));
  });
});
