import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Vitest global setup: tests that run a child process import the built package, so build
 * it when `dist/` is missing or older than `src/` (`npm test` has just built it).
 */
export default function buildOnce(): void {
  const built = modifiedAt("dist/index.js");
  const newestSource = Math.max(...listFiles("src").map(modifiedAt));
  if (built >= newestSource) return;
  execFileSync("npx", ["tsup", "--silent"], { stdio: "inherit" });
}

function modifiedAt(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function listFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(folder, entry.name)) : [join(folder, entry.name)],
  );
}
