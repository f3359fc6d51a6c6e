/**
 * The real file system's calls that the file target's checks rely on: `statNow` and
 * `pathOf`, made at once.
 */
import { closeSync, openSync } from "node:fs";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { platform, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeFileSystem } from "../../src/persistence/file-system.js";

let folder: string;
let fd: number | undefined;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-fs-"));
});

afterEach(async () => {
  if (fd !== undefined) closeSync(fd);
  fd = undefined;
  await rm(folder, { recursive: true, force: true });
});

describe("statNow", () => {
  it("tells one file from another at the same path, and null when there is none", async () => {
    const path = join(folder, "f");
    expect(nodeFileSystem.statNow(path)).toBeNull();
    await writeFile(path, "one");
    const first = nodeFileSystem.statNow(path);
    await writeFile(join(folder, "g"), "two");
    await rename(join(folder, "g"), path);
    const second = nodeFileSystem.statNow(path);
    expect(first?.size).toBe(3);
    expect(second?.ino).not.toBe(first?.ino);
  });
});

describe("pathOf", () => {
  it("follows the open file on Linux (renamed, then deleted when a file is put in its place), and cannot tell elsewhere", async () => {
    const path = join(folder, "f");
    await writeFile(path, "one");
    fd = openSync(path, "r+");
    const named = nodeFileSystem.pathOf(fd);
    if (platform() !== "linux") {
      expect(named).toBeNull();
      return;
    }
    expect(named?.endsWith("/f")).toBe(true);
    const moved = `${(named as string).slice(0, -"f".length)}moved`;

    await rename(path, join(folder, "moved"));
    expect(nodeFileSystem.pathOf(fd)).toBe(moved);

    await writeFile(path, "another");
    await rename(path, join(folder, "moved"));
    expect(nodeFileSystem.pathOf(fd)).toBe(`${moved} (deleted)`);
  });
});
