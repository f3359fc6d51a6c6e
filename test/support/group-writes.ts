import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { filePersistence, JOURNAL_SUFFIX } from "../../src/persistence/file-persistence.js";
import { type FileSystem, nodeFileSystem } from "../../src/persistence/file-system.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { negotiation } from "./negotiations.js";
import { noise } from "./seeded-random.mjs";

/** One write the file target made to its journal: where, and the bytes. */
export interface JournalWrite {
  readonly position: number;
  readonly bytes: Uint8Array;
}

/** What {@link saveInGroups} did. */
export interface GroupedSaves {
  /** Every write to the journal, oldest first: zeros written ahead, and group writes. */
  readonly writes: readonly JournalWrite[];
  /** The context each thread was saved with. */
  readonly contexts: ReadonlyMap<string, Record<string, unknown>>;
  /** The journal's bytes once every save resolved (synced: what a power loss keeps of them). */
  readonly journal: Uint8Array;
}

/**
 * Saves through the real file target, recording each write to the journal: each step is
 * either one thread (saved and awaited alone) or several (saved together with
 * `Promise.all`, so that the adapter writes them in group writes of several records, each
 * with one data sync). Contexts carry `fillerBytes` characters, so that a record spans
 * pages. The database is left open while the journal is copied, then closed; the
 * returned journal is what a crash at that moment leaves.
 *
 * @param path - The database file (its folder must exist).
 * @param steps - Thread ids, one step after the other.
 * @param fillerBytes - How long each context's filler is.
 */
export async function saveInGroups(
  path: string,
  steps: readonly (string | readonly string[])[],
  fillerBytes = 6000,
): Promise<GroupedSaves> {
  const journalFile = `${path}${JOURNAL_SUFFIX}`;
  const paths = new Map<number, string>();
  const writes: JournalWrite[] = [];
  const fileSystem: FileSystem = {
    ...nodeFileSystem,
    async open(file, flags) {
      const fd = await nodeFileSystem.open(file, flags);
      paths.set(fd, file);
      return fd;
    },
    async write(fd, data, offset, length, position) {
      const written = await nodeFileSystem.write(fd, data, offset, length, position);
      if (paths.get(fd) === journalFile && position !== null) {
        writes.push({ position, bytes: data.slice(offset, offset + written) });
      }
      return written;
    },
  };
  const contexts = new Map<string, Record<string, unknown>>();
  const store = await openNegotiationStore({ persistence: filePersistence(path, { fileSystem }) });
  const save = async (threadId: string) => {
    const context = { filler: fillerOf(threadId, fillerBytes), thread: threadId };
    contexts.set(threadId, context);
    await store.save(negotiation(threadId, ["send_offer"], { context }));
  };
  for (const step of steps) {
    if (typeof step === "string") await save(step);
    else await Promise.all(step.map(save));
  }
  const journal = new Uint8Array(await readFile(journalFile));
  await store.close();
  return { writes, contexts, journal };
}

function fillerOf(threadId: string, length: number): string {
  return `${threadId}:`.padEnd(length, "x");
}

/**
 * The threads whose records a write holds (their contexts' fillers are in its bytes).
 *
 * @param write - A write to the journal.
 * @param threads - The threads to look for.
 */
export function threadsIn(write: JournalWrite, threads: Iterable<string>): string[] {
  const bytes = Buffer.from(write.bytes);
  return [...threads].filter((threadId) =>
    bytes.includes(fillerOf(threadId, threadId.length + 40)),
  );
}

/**
 * The last group write (one write of the records of one or more saves, then one data sync)
 * among the first `before` writes.
 */
export function lastGroupWrite(saved: GroupedSaves, before = saved.writes.length): JournalWrite {
  // Zeros written ahead are all zeros; a group write starts with a record's magic.
  const groups = saved.writes
    .slice(0, before)
    .filter((write) => write.bytes.some((byte) => byte !== 0));
  const group = groups.at(-1);
  if (group === undefined) throw new Error("no group write was recorded");
  return group;
}

/**
 * Splits a write into the pages a disk writes separately: the parts of `[position,
 * position + length)` in each `pageSize`-aligned page of the file.
 */
export function pagesOf(write: JournalWrite, pageSize = 4096): { start: number; end: number }[] {
  const pages: { start: number; end: number }[] = [];
  const end = write.position + write.bytes.length;
  for (let start = write.position; start < end; ) {
    const pageEnd = Math.min(end, (Math.floor(start / pageSize) + 1) * pageSize);
    pages.push({ start, end: pageEnd });
    start = pageEnd;
  }
  return pages;
}

/**
 * The journal as a power loss during `write` leaves it: the pages not in `landed` hold
 * what was there before (zeros: the file grows ahead of its records, zero-filled), or
 * `garbage` when given.
 */
export function tornJournal(
  journal: Uint8Array,
  write: JournalWrite,
  landed: (page: number) => boolean,
  { pageSize = 4096, garbage = false }: { pageSize?: number; garbage?: boolean } = {},
): Uint8Array {
  const torn = journal.slice();
  pagesOf(write, pageSize).forEach(({ start, end }, page) => {
    if (landed(page)) return;
    torn.set(garbage ? noise(start + 1, end - start) : new Uint8Array(end - start), start);
  });
  return torn;
}

/**
 * Places a database that was never checkpointed (its journal is all there is) in a new
 * folder under `root`, with `journal` as its journal; returns the database path.
 */
export async function placeJournal(
  root: string,
  name: string,
  journal: Uint8Array,
  databaseFile?: string,
): Promise<string> {
  const folder = join(root, name);
  await mkdir(folder, { recursive: true });
  const path = join(folder, "n.db");
  if (databaseFile !== undefined) {
    await copyFile(databaseFile, path).catch((error) => {
      if (error.code !== "ENOENT") throw error;
    });
  }
  await writeFile(`${path}${JOURNAL_SUFFIX}`, journal);
  return path;
}

/**
 * What a store opened on `path` holds, as the tests of torn journals compare it: each
 * unfinished negotiation's context, by thread.
 *
 * @param path - The database file.
 * @returns Thread -> context.
 * @throws What opening refuses (a `CorruptDatabaseError` for damage it will not drop).
 */
export async function contentsOf(path: string): Promise<Map<string, Record<string, unknown>>> {
  const store = await openNegotiationStore({ persistence: filePersistence(path) });
  try {
    const restored = await store.restoreActive();
    return new Map(restored.map((negotiation) => [negotiation.threadId, negotiation.context]));
  } finally {
    await store.close();
  }
}
