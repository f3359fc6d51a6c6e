import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

// What the tests of the published package share: the tarball `npm pack` makes of the
// build in dist/, as a user's `npm install negotiation-state` would receive it.

/** Runs a program, failing with its output when it fails. */
export const run = promisify(execFile);

/** One file of a tarball, as `npm pack --json` lists it. */
export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

/** What `npm pack --json` reports of a tarball. */
export interface Packed {
  /** The tarball's file name. */
  readonly filename: string;
  /** The tarball's size in bytes (gzipped). */
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly PackedFile[];
}

/**
 * Packs the package as `npm publish` would.
 *
 * @param destination - The folder to write the tarball to; when absent, nothing is
 *   written (`--dry-run`) and only the report is made.
 * @returns npm's report, and the tarball's path when one was written.
 */
export async function pack(destination?: string): Promise<Packed & { tarball: string }> {
  const where = destination ? ["--pack-destination", destination] : ["--dry-run"];
  const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", ...where], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout) as Packed[];
  if (packed === undefined) throw new Error(`npm pack reported nothing: ${stdout}`);
  return { ...packed, tarball: destination ? join(destination, packed.filename) : "" };
}

/**
 * Makes a project in a temporary folder with the packed package installed in it, as a
 * user installs it from the registry: its dependencies (and nothing of this repository's
 * node_modules) come from npm.
 *
 * @param name - Names the temporary folder.
 * @returns The project's folder; the caller removes it.
 */
export async function installPacked(name: string): Promise<string> {
  const project = await mkdtemp(join(tmpdir(), `ns-${name}-`));
  const { tarball } = await pack(project);
  await run("npm", ["init", "--yes"], { cwd: project });
  await run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline", tarball],
    { cwd: project, maxBuffer: 16 * 1024 * 1024 },
  );
  return project;
}
