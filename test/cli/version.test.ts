import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

describe("--version", () => {
  it("prints the version of the package's own package.json, with -V too, and exits 0", async () => {
    const { version } = JSON.parse(
      await readFile(new URL("../../package.json", import.meta.url), "utf8"),
    ) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ["--version", "-V"]) {
      expect(await runCli([flag])).toEqual({ status: 0, stdout: `${version}\n`, stderr: "" });
    }
  });
});
