import "fake-indexeddb/auto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// One copy of each error class in the build, shared by every entry of each format: an
// error thrown by the code of `negotiation-state/file` or `/indexeddb` is an instance of
// the classes a user imports from `negotiation-state`, and `isNegotiationError` knows it.

const requireBuilt = createRequire(import.meta.url);

type Api = Record<string, unknown> & {
  isNegotiationError(error: unknown, code?: string): boolean;
};
interface Persistence {
  open(): Promise<unknown>;
  close(): Promise<void>;
}
type Entries = {
  main: Api;
  file: { filePersistence(path: string): Persistence };
  indexedDb: { indexedDbPersistence(name: string): Persistence };
};

/** Both formats of the build, loaded through the exports map as a user loads them. */
const FORMATS: Record<string, () => Promise<Entries>> = {
  "ESM (import)": async () => ({
    main: await import("negotiation-state"),
    file: await import("negotiation-state/file"),
    indexedDb: await import("negotiation-state/indexeddb"),
  }),
  "CommonJS (require)": async () => ({
    main: requireBuilt("negotiation-state"),
    file: requireBuilt("negotiation-state/file"),
    indexedDb: requireBuilt("negotiation-state/indexeddb"),
  }),
};

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "ns-error-identity-"));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Opens the target twice: the second writer is refused, by the target's own code. */
async function refusedSecondWriter(open: () => Persistence): Promise<unknown> {
  const first = open();
  await first.open();
  try {
    await open().open();
  } catch (error) {
    return error;
  } finally {
    await first.close();
  }
  return expect.fail("the second writer was let in");
}

/** Every module a built entry loads from dist/, itself first, by the paths it names. */
function moduleGraph(entry: string): string[] {
  const seen = new Set([entry]);
  for (const file of seen) {
    const code = readFileSync(file, "utf8");
    for (const [, relative] of code.matchAll(/(?:from|import|require\()\s*['"](\.\/[^'"]+)['"]/g)) {
      seen.add(resolve(dirname(file), relative as string));
    }
  }
  return [...seen];
}

function isErrorClass(value: unknown): value is typeof Error {
  return typeof value === "function" && value.prototype instanceof Error;
}

describe.each(Object.entries(FORMATS))("the built package in %s", (_format, load) => {
  it("a DatabaseLockedError thrown by negotiation-state/file is the main entry's, a StorageError and a NegotiationError", async () => {
    const { main, file } = await load();
    const path = join(folder, `${_format.replace(/\W/g, "")}.db`);
    const error = await refusedSecondWriter(() => file.filePersistence(path));
    expect(error).toBeInstanceOf(main.DatabaseLockedError as typeof Error);
    expect(error).toBeInstanceOf(main.StorageError as typeof Error);
    expect(error).toBeInstanceOf(main.NegotiationError as typeof Error);
    expect(main.isNegotiationError(error, "DATABASE_LOCKED")).toBe(true);
    expect((error as { location: string }).location).toBe(path);
  });

  it("a DatabaseLockedError thrown by negotiation-state/indexeddb is the main entry's, a StorageError and a NegotiationError", async () => {
    const { main, indexedDb } = await load();
    const name = `error-identity-${_format.replace(/\W/g, "")}`;
    const error = await refusedSecondWriter(() => indexedDb.indexedDbPersistence(name));
    expect(error).toBeInstanceOf(main.DatabaseLockedError as typeof Error);
    expect(error).toBeInstanceOf(main.StorageError as typeof Error);
    expect(error).toBeInstanceOf(main.NegotiationError as typeof Error);
    expect(main.isNegotiationError(error, "DATABASE_LOCKED")).toBe(true);
    expect((error as { location: string }).location).toBe(`indexeddb:${name}`);
  });
});

describe("the build's error classes", () => {
  const entries = {
    "negotiation-state/file": "file",
    "negotiation-state/indexeddb": "indexeddb",
  };
  for (const [specifier, name] of Object.entries(entries)) {
    for (const [format, extension] of [
      ["ESM", "js"],
      ["CommonJS", "cjs"],
    ]) {
      it(`are, in the modules ${specifier} loads (${format}), the very objects the main entry exports`, async () => {
        const entry = resolve("dist", `${name}.${extension}`);
        expect(
          format === "ESM" ? entry : requireBuilt.resolve(specifier),
          "the entry the exports map names",
        ).toBe(entry);
        const main: Record<string, unknown> =
          format === "ESM" ? await import("negotiation-state") : requireBuilt("negotiation-state");
        const found: string[] = [];
        for (const module of moduleGraph(entry)) {
          const loaded: Record<string, unknown> =
            format === "ESM" ? await import(pathToFileURL(module).href) : requireBuilt(module);
          for (const [exported, value] of Object.entries(loaded)) {
            if (!isErrorClass(value)) continue;
            expect(value, `${exported} of ${module}`).toBe(main[exported]);
            found.push(exported);
          }
        }
        // The classes live in a chunk the entry loads, not in a private copy inside it.
        expect(found).toContain("DatabaseLockedError");
        expect(found).toContain("StorageError");
        expect(found).toContain("NegotiationError");
      });
    }
  }
});
