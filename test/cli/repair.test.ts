/**
 * `negotiation-state repair` and `verify` on journals a power loss or damage left, through
 * the real built binary on real files.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CorruptDatabaseError } from "../../src/persistence/errors.js";
import { JOURNAL_SUFFIX } from "../../src/persistence/file-persistence.js";
import { decodeJournal, encodeJournalEntries } from "../../src/persistence/journal-codec.js";
import {
  contentsOf,
  type GroupedSaves,
  lastGroupWrite,
  pagesOf,
  placeJournal,
  saveInGroups,
  threadsIn,
  tornJournal,
} from "../support/group-writes.js";
import { runCli } from "./run-cli.js";
import { LockHolders } from "./support.js";

let folder: string;
let places = 0;
const holders = new LockHolders();

/**
 * One workload for every test: a0, a1 saved alone, b0..b3 together (group writes of
 * several records), then c0 alone: the group before c0 was synced and acknowledged.
 */
let saved: GroupedSaves;
const THREADS = ["a0", "a1", "b0", "b1", "b2", "b3", "c0"];
let sourceFolder: string;

beforeAll(async () => {
  sourceFolder = await mkdtemp(join(tmpdir(), "negotiation-state-repair-source-"));
  saved = await saveInGroups(
    join(sourceFolder, "n.db"),
    ["a0", "a1", ["b0", "b1", "b2", "b3"], "c0"],
    4500,
  );
  return () => rm(sourceFolder, { recursive: true, force: true });
});

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-repair-"));
});

afterEach(async () => {
  holders.killAll();
  await rm(folder, { recursive: true, force: true });
});

/** The group write of several records that c0's write followed. */
function syncedGroup() {
  const last = lastGroupWrite(saved);
  expect(threadsIn(last, THREADS)).toEqual(["c0"]);
  const group = lastGroupWrite(saved, saved.writes.indexOf(last));
  expect(threadsIn(group, THREADS).length).toBeGreaterThanOrEqual(2);
  return group;
}

/** Where each record of the (undamaged) journal begins and ends, with its sequence. */
function records(): { sequence: number; start: number; end: number }[] {
  let start = 0;
  return decodeJournal(saved.journal, "j").entries.map((entry) => {
    const end = start + encodeJournalEntries([entry]).length;
    const record = { sequence: entry.sequence, start, end };
    start = end;
    return record;
  });
}

/** Every file of the folder, with its bytes. */
async function filesIn(path: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(path)).sort()) {
    files.set(name, await readFile(join(path, name)));
  }
  return files;
}

/** "4 to 6, 9" as [4, 5, 6, 9]. */
function sequencesIn(text: string): number[] {
  return text.split(", ").flatMap((part) => {
    const [first, last = first] = part.split(" to ").map(Number) as [number, number?];
    return Array.from({ length: (last as number) - first + 1 }, (_, index) => first + index);
  });
}

async function place(journal: Uint8Array): Promise<string> {
  return placeJournal(folder, `db-${++places}`, journal);
}

describe("repair", () => {
  it("keeps a copy, cuts at the first damaged record, lists what it dropped, and the result verifies; a second run has nothing to do", async () => {
    const group = syncedGroup();
    const [firstPage] = pagesOf(group);
    const damagedJournal = tornJournal(saved.journal, group, (page) => page > 0);
    const database = await place(damagedJournal);
    const journalFile = `${database}${JOURNAL_SUFFIX}`;
    // The premise: opening refuses it (a record of a later group write, c0's, follows).
    await expect(contentsOf(database)).rejects.toBeInstanceOf(CorruptDatabaseError);

    const run = await runCli(["repair", database]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);

    const copyLine = run.stdout.match(/^Kept a copy of the damaged journal: (.+)$/m);
    const copy = copyLine?.[1] as string;
    expect(copy).toMatch(new RegExp(`^${journalFile}\\.damaged-\\d{8}T\\d{9}Z$`));
    expect(new Uint8Array(await readFile(copy))).toEqual(damagedJournal);

    const all = records();
    const kept = all.filter((record) => record.end <= group.position);
    expect(run.stdout).toContain(
      `Cut ${journalFile} at offset ${group.position}, where the journal record at offset ${group.position} is damaged; kept ${kept.length} records before it (sequence ${kept[0]?.sequence} to ${kept.at(-1)?.sequence}).`,
    );
    // Readable after the damage: the records that begin after the page that did not land.
    const readable = all.filter((record) => record.start >= (firstPage as { end: number }).end);
    expect(readable.length).toBeGreaterThanOrEqual(2);
    const dropped = run.stdout.match(
      /^Dropped: (\d+) records still readable after the damage, sequence (.+)\.$/m,
    );
    expect(Number(dropped?.[1])).toBe(readable.length);
    expect(sequencesIn(dropped?.[2] as string)).toEqual(readable.map((record) => record.sequence));
    const unreadable = all
      .filter((record) => record.start >= group.position && !readable.includes(record))
      .reduce((sum, record) => sum + record.end - record.start, 0);
    expect(run.stdout).toMatch(
      new RegExp(`^${unreadable} bytes could not be read as records`, "m"),
    );
    expect(run.stdout).toContain("All checks passed.");

    // Cut, with every record before the damage.
    expect((await readFile(journalFile)).length).toBe(group.position);

    // A second run: nothing to repair, nothing changed.
    const before = await filesIn(join(database, ".."));
    const second = await runCli(["repair", database]);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(
      new RegExp(`^Nothing to repair: ${journalFile} has no damaged record\\.$`, "m"),
    );
    expect(second.stdout).toContain("All checks passed.");
    expect(await filesIn(join(database, ".."))).toEqual(before);

    // The database opens with every save the records before the damage hold.
    const found = await contentsOf(database);
    const durable = THREADS.filter((threadId) =>
      saved.writes
        .filter((write) => write.position + write.bytes.length <= group.position)
        .some((write) => threadsIn(write, [threadId]).length > 0),
    );
    expect(durable).toEqual(expect.arrayContaining(["a0", "a1"]));
    expect([...found.keys()].sort()).toEqual([...durable].sort());
    for (const threadId of durable) {
      expect(found.get(threadId)).toEqual(saved.contexts.get(threadId));
    }
  });

  it("with the damage at the very start, keeps nothing before it, drops every readable record, and exits 1 as the result (no table left) does not verify", async () => {
    const first = records()[0] as { start: number; end: number };
    const journal = saved.journal.slice();
    journal.fill(0, first.start, first.start + 8);
    const database = await place(journal);
    const run = await runCli(["repair", database]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      "at offset 0, where the journal record at offset 0 is damaged; no record was before it.",
    );
    const dropped = run.stdout.match(
      /^Dropped: \d+ records still readable after the damage, sequence (.+)\.$/m,
    );
    expect(sequencesIn(dropped?.[1] as string)).toEqual(
      records()
        .slice(1)
        .map((record) => record.sequence),
    );
    expect(run.stdout).toMatch(
      new RegExp(`^${first.end - first.start} bytes could not be read as records\\.$`, "m"),
    );
    expect((await readFile(`${database}${JOURNAL_SUFFIX}`)).length).toBe(0);
    expect(run.stdout).toContain("✗ rows       there is no negotiation_state table");
    expect(run.stdout).toContain(
      "repair cuts a damaged journal only: the problems listed remain, and the files stay as they are now.",
    );
  });

  it("is refused while a writer holds the lock, and changes nothing", async () => {
    const database = join(folder, "held", "n.db");
    await mkdir(join(folder, "held"));
    const holder = await holders.hold(database);
    const before = await filesIn(join(folder, "held"));
    const run = await runCli(["repair", database]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/is locked/);
    expect(run.stderr).toContain(`held by process ${holder.child.pid}`);
    expect(run.stdout).toBe("");
    expect(await filesIn(join(folder, "held"))).toEqual(before);
  });

  it("says there is no database at a path with none, and leaves nothing there", async () => {
    const run = await runCli(["repair", join(folder, "nothing.db")]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `Cannot repair ${join(folder, "nothing.db")}: there is no database there`,
    );
    expect(await readdir(folder)).toEqual([]);
  });
});

describe("a power loss during the last group write, seen by verify and repair", () => {
  it("verify warns and passes; repair has nothing to do and changes nothing", async () => {
    // Only the group of b0..b3 is written, its first page lost: c0 never was.
    const group = syncedGroup();
    const end = group.position + group.bytes.length;
    const torn = tornJournal(saved.journal, group, (page) => page > 0);
    torn.fill(0, end);
    const database = await place(torn);
    const journalFile = `${database}${JOURNAL_SUFFIX}`;
    const firstPageEnd = (pagesOf(group)[0] as { end: number }).end;
    const inGroup = records().filter((record) => record.start >= firstPageEnd && record.end <= end);

    const verify = await runCli(["verify", database]);
    expect(verify.status).toBe(0);
    const warning = verify.stdout.match(
      new RegExp(
        `^! journal {4}${journalFile}: a torn last group write at offset ${group.position} \\((\\d+) bytes, with whole records of sequence (.+) after a damaged one\\), as a power loss mid-save leaves; none of it was acknowledged, and the next open drops it$`,
        "m",
      ),
    );
    expect(Number(warning?.[1])).toBe(end - group.position);
    expect(sequencesIn(warning?.[2] as string)).toEqual(inGroup.map((record) => record.sequence));
    expect(verify.stdout).toContain("1 warning; the checks passed.");

    const before = await filesIn(join(database, ".."));
    const repair = await runCli(["repair", database]);
    expect(repair.status).toBe(0);
    expect(repair.stdout).toContain(
      `Nothing to repair: ${journalFile} has no damaged record; it ends in what a crash mid-save leaves at offset ${group.position}, never acknowledged, which the next open drops.`,
    );
    expect(await filesIn(join(database, ".."))).toEqual(before);
  });
});
