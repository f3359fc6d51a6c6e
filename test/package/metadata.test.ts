import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const packageJson = JSON.parse(readFileSync("package.json", "utf8"));

/** The files `npm pack` would put in the tarball. */
function packedFiles(): string[] {
  const [pack] = JSON.parse(
    execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8" }),
  );
  return pack.files.map((file: { path: string }) => file.path);
}

describe("the package's metadata", () => {
  it("says where the code, its home page and its issue tracker are", () => {
    expect(packageJson.repository).toMatchObject({
      type: "git",
      url: expect.stringMatching(/^git\+https:\/\//),
    });
    expect(packageJson.homepage).toMatch(/^https:\/\//);
    expect(packageJson.bugs.url).toMatch(/^https:\/\//);
  });

  it("ships the MIT licence text and a changelog with a section for this version", () => {
    const files = packedFiles();
    expect(files).toContain("LICENSE");
    expect(files).toContain("CHANGELOG.md");
    expect(packageJson.license).toBe("MIT");
    expect(readFileSync("LICENSE", "utf8")).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /);
    expect(readFileSync("CHANGELOG.md", "utf8")).toContain(`## ${packageJson.version} `);
  });
});
