import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPacked, run } from "./packed.js";

// A TypeScript user who installs only negotiation-state, checks the libraries' declarations
// (`skipLibCheck: false`) and is strict: money must come out typed as `Big`, never as
// `any`, and nothing in the declarations may need a types package the user did not install.

const TSC = resolve("node_modules/.bin/tsc");

/** Uses money as `Big`; the `@ts-expect-error` lines fail when `Big` is `any`. */
const CONSUMER = `import { CampaignCPMTracker, toMoney } from "negotiation-state";
import { filePersistence } from "negotiation-state/file";
import { indexedDbPersistence } from "negotiation-state/indexeddb";

const tracker = new CampaignCPMTracker("camp-001", "20", "30", 12);
const flexibility = tracker.getFlexibility(3);
// @ts-expect-error money is a Big, not a number
const asNumber: number = flexibility.maxAllowedCpm;
const fixed: string = flexibility.maxAllowedCpm.toFixed(2);
// @ts-expect-error a Big has no such method
toMoney("1.50", "price").noSuchMethod();
const targets = [filePersistence, indexedDbPersistence] as const;

export { asNumber, fixed, targets };
`;

const COMPILER_OPTIONS = {
  strict: true,
  skipLibCheck: false,
  module: "nodenext",
  moduleResolution: "nodenext",
  // A browser project on an older `lib` must still read the declarations, which use
  // `Symbol.asyncDispose` from a later one. (DOM for valibot's declarations, which name
  // `Blob` and `File`; a Node project gets those from @types/node.)
  target: "es2022",
  lib: ["es2022", "dom"],
  // Nothing from node_modules/@types is taken unless a declaration imports it.
  types: [],
  noEmit: true,
};

let project: string;

beforeAll(async () => {
  project = await installPacked("consumer-types");
  for (const [folder, type] of [
    ["esm", "module"],
    ["cjs", "commonjs"],
  ] as const) {
    const source = join(project, folder);
    await mkdir(source);
    await writeFile(join(source, "package.json"), JSON.stringify({ type }));
    await writeFile(
      join(source, "tsconfig.json"),
      JSON.stringify({ compilerOptions: COMPILER_OPTIONS, files: ["consumer.ts"] }),
    );
    await writeFile(join(source, "consumer.ts"), CONSUMER);
  }
}, 180_000);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

/** Type-checks one consumer; gives the declaration files it read, or tsc's errors. */
async function typeCheck(folder: string): Promise<string[]> {
  try {
    const { stdout } = await run(TSC, ["-p", join(project, folder), "--listFiles"], {
      cwd: project,
    });
    return stdout.split("\n").filter((line) => line.includes("node_modules"));
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    const errors = stdout.split("\n").filter((line) => line.includes("error TS"));
    expect.fail(`tsc failed for the ${folder} consumer:\n${errors.join("\n") || stderr}`);
  }
}

describe("a TypeScript consumer that installs only negotiation-state", () => {
  it("gets money typed as Big from the ESM declarations (index.d.ts), with strict lib checks", async () => {
    const read = await typeCheck("esm");
    expect(read).toContain(join(project, "node_modules/negotiation-state/dist/index.d.ts"));
    expect(read).toContain(join(project, "node_modules/@types/big.js/index.d.ts"));
  }, 120_000);

  it("gets money typed as Big from the CommonJS declarations (index.d.cts), with strict lib checks", async () => {
    const read = await typeCheck("cjs");
    expect(read).toContain(join(project, "node_modules/negotiation-state/dist/index.d.cts"));
    expect(read).toContain(join(project, "node_modules/@types/big.js/index.d.ts"));
  }, 120_000);
});
