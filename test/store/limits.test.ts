/**
 * Limits are refusals, never crashes (DESIGN §6): a context nested too deep, a row too large
 * to journal and a clock the timestamp form cannot hold each get the package's own error;
 * nothing is written, the store stays open, and saves made at the same moment are durable.
 * Each is checked on a file store, reopened from disk.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RowTooLargeError } from "../../src/adapter/errors.js";
import { MAX_JOURNAL_PAYLOAD_BYTES } from "../../src/adapter/sql-js-adapter.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import { MAX_CONTEXT_DEPTH } from "../../src/store/context-serializer.js";
import { ContextSerializationError } from "../../src/store/errors.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { runCli } from "../cli/run-cli.js";
import { negotiation, steppingClock } from "../support/negotiations.js";

let folder: string;
let file: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-limits-"));
  file = join(folder, "negotiations.db");
});

afterEach(() => rm(folder, { recursive: true, force: true }));

function openFileStore(clock = steppingClock("2026-03-01T10:00:00Z", 60)) {
  return openNegotiationStore({ persistence: filePersistence(file), clock });
}

/** The thread ids stored in `file`, read by a store opened afresh. */
async function storedThreads(): Promise<string[]> {
  const store = await openFileStore();
  const rows = await store.loadActive();
  await store.close();
  return rows.map((row) => row.thread_id).sort();
}

/** A context `depth` levels deep (the context itself level 1), a bigint at the bottom. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { n: 2n ** 64n };
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

describe("a row too large to journal", () => {
  it("is refused at its largest column; saves made at the same moment are durable, and the store stays open", async () => {
    // A character from U+0800 on is one character in context_json and three bytes of UTF-8
    // in the journal: 178,957,000 of them make a journal record just over the limit.
    const wide = "\u0800".repeat(178_957_000);
    const store = await openFileStore();
    const [before, refused, after] = await Promise.allSettled([
      store.save(negotiation("before")),
      store.save(negotiation("huge", ["send_offer"], { context: { wide } })),
      store.save(negotiation("after")),
    ]);
    expect(before.status).toBe("fulfilled");
    expect(after.status).toBe("fulfilled");
    const error = (refused as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(RowTooLargeError);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe("ROW_TOO_LARGE");
    expect(error.path).toBe('negotiation_state["huge"].context_json');
    expect(error.bytes).toBeGreaterThan(MAX_JOURNAL_PAYLOAD_BYTES);
    expect(error.bytes).toBeLessThan(MAX_JOURNAL_PAYLOAD_BYTES + 10_000);
    expect(error.message).toMatch(
      /^negotiation_state\["huge"\]\.context_json: saving it would need a journal record of 536,87\d,\d{3} bytes, more than the 536,870,888 one record holds; nothing was written to /,
    );
    expect(error.message).toContain(file);
    await store.save(negotiation("later"));
    await store.close();
    expect(await storedThreads()).toEqual(["after", "before", "later"]);
  });
});

describe("a context nested too deep", () => {
  it(`is refused past ${MAX_CONTEXT_DEPTH} levels naming the key path; the deepest accepted one Python reads, and the CLI exports and imports`, async () => {
    const store = await openFileStore();
    const error = await store
      .save(negotiation("too-deep", ["send_offer"], { context: nested(MAX_CONTEXT_DEPTH + 1) }))
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(ContextSerializationError);
    expect(error.keyPath).toBe(`context${".a".repeat(MAX_CONTEXT_DEPTH)}`);
    await store.save(
      negotiation("deepest", ["send_offer"], { context: nested(MAX_CONTEXT_DEPTH) }),
    );
    await store.close();

    // The Python service reads the row with sqlite3 and json, given room for 1,000 levels.
    const python = execFileSync("python3", [
      "-c",
      `import json, sqlite3, sys
sys.setrecursionlimit(1100)
text, = sqlite3.connect(sys.argv[1]).execute(
    "SELECT context_json FROM negotiation_state WHERE thread_id = 'deepest'").fetchone()
value, depth = json.loads(text), 1
while "a" in value:
    value, depth = value["a"], depth + 1
print(depth, value["n"])`,
      file,
    ]);
    expect(python.toString().trim()).toBe(`${MAX_CONTEXT_DEPTH} ${2n ** 64n}`);

    const exported = await runCli(["export", file]);
    expect(exported.stderr).toBe("");
    expect(exported.status).toBe(0);
    const lines = join(folder, "export.jsonl");
    await writeFile(lines, exported.stdout);
    const copy = join(folder, "copy.db");
    const imported = await runCli(["import", copy, lines]);
    expect(imported.status, imported.stderr).toBe(0);
    const again = await runCli(["export", copy]);
    expect(again.stdout).toBe(exported.stdout);
    expect((await readFile(lines, "utf8")).split("\n")[0]).toContain('"thread_id":"deepest"');
  });
});

describe("a clock the timestamp form cannot hold", () => {
  it("an invalid Date and the year 10000 are refused naming the clock; nothing is written, the store stays open", async () => {
    const dates = [
      new Date("2026-03-01T10:00:00Z"),
      new Date(Number.NaN),
      new Date("+010000-01-01T00:00:00Z"),
      new Date("2026-03-01T10:01:00Z"),
    ];
    const store = await openFileStore(() => dates.shift() as Date);
    await store.save(negotiation("first"));
    for (const thread of ["invalid", "year-10000"]) {
      const error = await store.save(negotiation(thread)).catch((caught) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.path).toBe("clock");
      expect(error.message).toMatch(/^clock: the store's clock returned .*; nothing was written$/);
    }
    await store.save(negotiation("last"));
    await store.close();
    expect(await storedThreads()).toEqual(["first", "last"]);
    const verified = await runCli(["verify", file]);
    expect(verified.status, verified.stdout + verified.stderr).toBe(0);
  });
});
