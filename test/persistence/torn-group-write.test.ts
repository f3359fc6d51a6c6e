/**
 * Power loss during a group write (DESIGN §6): saves made together are one write and one
 * data sync, and any subset of that write's pages may reach the disk, in any order.
 * Opening must then drop the unacknowledged records of that last write and keep every
 * acknowledged save, with its exact values; damage followed by a record of a later group
 * write (which was only written once the damaged one was synced, so it was acknowledged)
 * is still refused, naming the journal and the offset. Journals of the earlier format
 * ("NSJ1" records, which say nothing of their group) still open.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptDatabaseError } from "../../src/persistence/errors.js";
import { filePersistence, JOURNAL_SUFFIX } from "../../src/persistence/file-persistence.js";
import { decodeJournal, encodeJournalEntries } from "../../src/persistence/journal-codec.js";
import type { JournalEntry } from "../../src/persistence/persistence.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
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
import { negotiation } from "../support/negotiations.js";

let root: string;
let runs = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "negotiation-state-torn-group-"));
});

afterAll(() => rm(root, { recursive: true, force: true }));

/** A new, empty folder; returns the path of a database in it. */
async function newDatabase(): Promise<string> {
  const folder = join(root, `run-${++runs}`);
  await mkdir(folder);
  return join(folder, "n.db");
}

/**
 * Checks a reopened crash state: every save in `durable` is there with its exact context,
 * each of `unacknowledged` is either absent or exact, and nothing else is there.
 */
function expectSaves(
  found: Map<string, Record<string, unknown>>,
  saved: GroupedSaves,
  durable: readonly string[],
  unacknowledged: readonly string[],
  what: string,
): void {
  for (const threadId of durable) {
    expect(found.get(threadId), `${what}: acknowledged ${threadId}`).toEqual(
      saved.contexts.get(threadId),
    );
  }
  for (const [threadId, context] of found) {
    expect(
      durable.includes(threadId) || unacknowledged.includes(threadId),
      `${what}: ${threadId} was never saved`,
    ).toBe(true);
    expect(context, `${what}: ${threadId}`).toEqual(saved.contexts.get(threadId));
  }
}

describe("a power loss during the last group write", () => {
  const single = ["a0", "a1", "a2"];
  const together = ["b0", "b1", "b2", "b3"];
  let saved: GroupedSaves;
  /** The saves synced before the last group write began: acknowledged at the crash. */
  let durable: string[];
  /** The saves of the last group write: none acknowledged at the crash. */
  let group: string[];

  beforeAll(async () => {
    const path = await newDatabase();
    saved = await saveInGroups(path, [...single, together], 4500);
    const last = lastGroupWrite(saved);
    const all = [...single, ...together];
    group = threadsIn(last, all);
    durable = all.filter((threadId) => !group.includes(threadId));
    // The premise: the last write holds several records (saves made together), and spans pages.
    expect(group.length).toBeGreaterThanOrEqual(2);
    expect(durable).toEqual(expect.arrayContaining(single));
    expect(pagesOf(last).length).toBeGreaterThanOrEqual(3);
  });

  it("opens with every acknowledged save and none of that write, when a later page landed and the first did not", async () => {
    const last = lastGroupWrite(saved);
    for (const garbage of [false, true]) {
      const journal = tornJournal(saved.journal, last, (page) => page > 0, { garbage });
      const path = await placeJournal(root, `first-page-lost-${garbage}`, journal);
      const found = await contentsOf(path);
      expectSaves(found, saved, durable, [], `first page ${garbage ? "garbage" : "zeros"}`);
      for (const threadId of group) expect(found.has(threadId)).toBe(false);
    }
  });

  it("with 512-byte sectors too: the first sector lost, the rest landed", async () => {
    const last = lastGroupWrite(saved);
    const journal = tornJournal(saved.journal, last, (sector) => sector > 0, { pageSize: 512 });
    const found = await contentsOf(await placeJournal(root, "first-sector-lost", journal));
    expectSaves(found, saved, durable, [], "first sector lost");
    for (const threadId of group) expect(found.has(threadId)).toBe(false);
  });

  it("loses no acknowledged save for any subset of the write's pages that landed", async () => {
    const last = lastGroupWrite(saved);
    const pages = pagesOf(last).length;
    let states = 0;
    for (let landed = 0; landed < 2 ** pages; landed++) {
      const journal = tornJournal(saved.journal, last, (page) => (landed & (1 << page)) !== 0);
      const path = await placeJournal(root, `subset-${landed}`, journal);
      const found = await contentsOf(path);
      expectSaves(found, saved, durable, group, `pages landed ${landed.toString(2)}`);
      if ((landed & 1) === 0) {
        for (const threadId of group) expect(found.has(threadId)).toBe(false);
      }
      states++;
    }
    expect(states).toBe(2 ** pages);
  });

  it("folds the torn write away at open, and the next saves continue after the acknowledged ones", async () => {
    const last = lastGroupWrite(saved);
    const journal = tornJournal(saved.journal, last, (page) => page > 0);
    const path = await placeJournal(root, "continued", journal);
    const store = await openNegotiationStore({ persistence: filePersistence(path) });
    // The open folded the journal into the database file, the torn write with it.
    expect((await readFile(`${path}${JOURNAL_SUFFIX}`)).length).toBe(0);
    await store.save(negotiation("after", ["send_offer"], { context: { after: "the crash" } }));
    await store.close();
    const found = await contentsOf(path);
    expect([...found.keys()].sort()).toEqual([...durable, "after"].sort());
  });
});

describe("damage that is not a torn last group write", () => {
  it("is refused naming the offset when a record of a later group write follows the damage", async () => {
    const path = await newDatabase();
    // The group of c0..c3 is synced and acknowledged before d0 is written.
    const saved = await saveInGroups(path, ["a0", ["c0", "c1", "c2", "c3"], "d0"], 4500);
    const last = lastGroupWrite(saved);
    expect(threadsIn(last, ["d0"])).toEqual(["d0"]);
    const synced = lastGroupWrite(saved, saved.writes.indexOf(last));
    expect(threadsIn(synced, ["c0", "c1", "c2", "c3"]).length).toBeGreaterThanOrEqual(2);
    for (const garbage of [false, true]) {
      const journal = tornJournal(saved.journal, synced, (page) => page > 0, { garbage });
      const damaged = await placeJournal(root, `later-group-${garbage}`, journal);
      const error = await contentsOf(damaged).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CorruptDatabaseError);
      expect((error as Error).message).toContain(`${damaged}${JOURNAL_SUFFIX} is corrupt`);
      expect((error as Error).message).toContain(
        `the journal record at offset ${synced.position} is damaged`,
      );
      // Nothing changed.
      expect(new Uint8Array(await readFile(`${damaged}${JOURNAL_SUFFIX}`))).toEqual(journal);
    }
  });
});

const entry = (sequence: number, text = `row ${sequence}`): JournalEntry => ({
  sequence,
  statements: [{ sql: "INSERT INTO t VALUES (?, ?)", params: [text, sequence] }],
});

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Where each record of `entries`, encoded as one group write, begins and ends. */
function recordBounds(entries: JournalEntry[]): { start: number; end: number }[] {
  let start = 0;
  return entries.map((one) => {
    const end = start + encodeJournalEntries([one]).length;
    const bounds = { start, end };
    start = end;
    return bounds;
  });
}

describe("the journal codec and group writes", () => {
  const groupOfThree = [entry(4), entry(5), entry(6)];

  it("cuts at the first damaged record of the last group write, keeping what precedes it", () => {
    const before = encodeJournalEntries([entry(1), entry(2)]);
    const tail = encodeJournalEntries([entry(3)]);
    const group = encodeJournalEntries(groupOfThree);
    const bounds = recordBounds(groupOfThree);
    for (let damaged = 0; damaged < groupOfThree.length - 1; damaged++) {
      const torn = group.slice();
      const at = (bounds[damaged] as { start: number }).start + 5;
      torn[at] = (torn[at] as number) ^ 0x40;
      const journal = concat(before, tail, torn, new Uint8Array(4096));
      const { entries, validBytes } = decodeJournal(journal, "j");
      expect(entries.map((one) => one.sequence)).toEqual([1, 2, 3, 4, 5, 6].slice(0, 3 + damaged));
      expect(validBytes).toBe(
        before.length + tail.length + (bounds[damaged] as { start: number }).start,
      );
    }
  });

  it("refuses damage in a group write that a later group write follows, naming the offset", () => {
    const group = encodeJournalEntries(groupOfThree);
    group[3] = 0; // the first record's magic
    const journal = concat(
      encodeJournalEntries([entry(3)]),
      group,
      encodeJournalEntries([entry(7)]),
    );
    const offset = encodeJournalEntries([entry(3)]).length;
    expect(() => decodeJournal(journal, "/x/n.db.ns-journal")).toThrow(
      `Database /x/n.db.ns-journal is corrupt or not a SQLite database: the journal record at offset ${offset} is damaged`,
    );
    // The same facts as fields, for callers that must not read the message apart.
    expect(() => decodeJournal(journal, "/x/n.db.ns-journal")).toThrow(
      expect.objectContaining({
        location: "/x/n.db.ns-journal",
        detail: `the journal record at offset ${offset} is damaged`,
        offset,
      }),
    );
  });

  it("refuses a record after the damage whose group write cannot have begun where the damage is", () => {
    // The second record of a group, after bytes shorter than the first: its group would
    // begin before the journal does.
    const group = encodeJournalEntries([entry(1, "a long first record of its group"), entry(2)]);
    const second = group.subarray(
      recordBounds([entry(1, "a long first record of its group")])[0]?.end,
    );
    expect(() => decodeJournal(concat(new Uint8Array([1, 2, 3]), second), "j")).toThrow(
      "the journal record at offset 0 is damaged",
    );
  });

  it("keeps the whole records of a write cut short, as before", () => {
    const group = encodeJournalEntries(groupOfThree);
    const bounds = recordBounds(groupOfThree);
    const cut = (bounds[2] as { start: number }).start + 9;
    expect(decodeJournal(group.subarray(0, cut), "j")).toEqual({
      entries: groupOfThree.slice(0, 2),
      validBytes: (bounds[2] as { start: number }).start,
    });
  });
});

/**
 * Records in the format before group writes were marked, as journals on disk hold them:
 *   0 "NSJ1", 4 payload length (u32 LE), 8 sequence (u64 LE), 16 CRC-32 of bytes 4..16
 *   and the payload, 20 payload: UTF-8 JSON [[sql, [param, ...]], ...].
 * Written here with node:zlib's CRC-32, not the package's.
 */
function oldFormatRecords(entries: readonly JournalEntry[]): Uint8Array {
  return concat(
    ...entries.map((one) => {
      const payload = Buffer.from(
        JSON.stringify(one.statements.map(({ sql, params }) => [sql, params])),
      );
      const header = Buffer.alloc(20);
      header.write("NSJ1", 0, "latin1");
      header.writeUInt32LE(payload.length, 4);
      header.writeBigUInt64LE(BigInt(one.sequence), 8);
      header.writeUInt32LE(crc32(payload, crc32(header.subarray(4, 16))), 16);
      return concat(header, payload);
    }),
  );
}

describe("a journal of the earlier format", () => {
  let saved: GroupedSaves;
  let oldJournal: Uint8Array;
  let threads: string[];

  beforeAll(async () => {
    const path = await newDatabase();
    threads = ["o0", "o1", "o2", "o3", "o4"];
    saved = await saveInGroups(path, ["o0", ["o1", "o2", "o3"], "o4"], 100);
    const { entries } = decodeJournal(saved.journal, "j");
    expect(entries.length).toBeGreaterThanOrEqual(6);
    oldJournal = oldFormatRecords(entries);
  });

  it("opens, with every save", async () => {
    const path = await placeJournal(root, "old-format", concat(oldJournal, new Uint8Array(8192)));
    const found = await contentsOf(path);
    expectSaves(found, saved, threads, [], "old format");
  });

  it("drops a torn last record, and refuses damage before a whole record, naming the offset", async () => {
    const { entries } = decodeJournal(saved.journal, "j");
    const lastStart = oldFormatRecords(entries.slice(0, -1)).length;
    const torn = await placeJournal(
      root,
      "old-torn",
      oldJournal.subarray(0, oldJournal.length - 5),
    );
    expectSaves(await contentsOf(torn), saved, threads.slice(0, -1), [], "old format, torn");

    const damaged = oldJournal.slice();
    damaged[lastStart - 30] = (damaged[lastStart - 30] as number) ^ 0xff;
    const penultimate = oldFormatRecords(entries.slice(0, -2)).length;
    const path = await placeJournal(root, "old-damaged", damaged);
    await expect(contentsOf(path)).rejects.toThrow(
      `the journal record at offset ${penultimate} is damaged`,
    );
  });

  it("reads old records followed by records of the current format", () => {
    const journal = concat(
      oldFormatRecords([entry(1), entry(2)]),
      encodeJournalEntries([entry(3), entry(4)]),
    );
    expect(decodeJournal(journal, "j")).toEqual({
      entries: [entry(1), entry(2), entry(3), entry(4)],
      validBytes: journal.length,
    });
  });
});
