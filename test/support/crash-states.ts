import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import {
  type ContentChange,
  type EntryChange,
  type Recording,
  writeInto,
} from "./crash-recorder.js";

/*
 * The crash states a disk that honours fsync allows, from a Recording: at a crash point
 * (after the first `point` recorded calls), each file holds its content as of its last sync
 * plus any of its later writes, each dropped, cut short, or landed page by page (512-byte
 * sectors or 4 KiB pages, any subset); a truncation happened or not; each create, rename,
 * link and unlink of the folder since its last sync happened or not.
 */

/** How one unsynced change reached the disk. */
export type Landing =
  | { readonly kind: "dropped" | "whole" }
  | { readonly kind: "cut"; readonly length: number }
  | { readonly kind: "pages"; readonly pageSize: number; readonly landed: readonly boolean[] };

/** What may differ between the crash states at one point. */
export interface CrashPoint {
  readonly point: number;
  /** The folder's entries as of its last sync before the point. */
  readonly entries: ReadonlyMap<string, number>;
  readonly entryChanges: readonly EntryChange[];
  /** Per file: its content as of its last sync, and its changes since. */
  readonly files: ReadonlyMap<
    number,
    { readonly synced: Uint8Array; readonly changes: readonly ContentChange[] }
  >;
}

/** One crash state: which entry changes happened, how each file change landed. */
export interface CrashChoice {
  readonly entries: readonly boolean[];
  readonly landings: ReadonlyMap<number, readonly Landing[]>;
}

/** The files of a crash state, by name, and a digest telling distinct states apart. */
export interface CrashState {
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly digest: string;
}

/** What is durable, and what is not yet, after the first `point` calls of `recording`. */
export function crashPoint(recording: Recording, point: number): CrashPoint {
  const folderSync = Math.max(0, ...recording.folderSyncs.filter((event) => event <= point));
  const entries = new Map(recording.initialEntries);
  const entryChanges: EntryChange[] = [];
  for (const change of recording.entryChanges) {
    if (change.event <= folderSync) applyEntryChange(entries, change);
    else if (change.event <= point) entryChanges.push(change);
  }
  const files = new Map<number, { synced: Uint8Array; changes: ContentChange[] }>();
  for (const [inode, history] of recording.inodes) {
    const sync = history.syncs.filter((one) => one.event <= point).at(-1);
    if (sync === undefined) continue;
    const changes = history.changes.filter((one) => one.event > sync.event && one.event <= point);
    files.set(inode, { synced: sync.content, changes });
  }
  return { point, entries, entryChanges, files };
}

function applyEntryChange(entries: Map<string, number>, change: EntryChange): void {
  if (change.type === "unlink") entries.delete(change.name);
  else {
    if (change.type === "rename" && entries.get(change.from) === change.inode)
      entries.delete(change.from);
    entries.set(change.name, change.inode);
  }
}

/** The pages of `[position, position + length)` in `pageSize`-aligned pages of the file. */
export function pagesOf(
  position: number,
  length: number,
  pageSize: number,
): { start: number; end: number }[] {
  const pages: { start: number; end: number }[] = [];
  for (let start = position; start < position + length; ) {
    const end = Math.min(position + length, (Math.floor(start / pageSize) + 1) * pageSize);
    pages.push({ start, end });
    start = end;
  }
  return pages;
}

/** The files a choice leaves at a crash point. */
export function crashState(at: CrashPoint, choice: CrashChoice): CrashState {
  const entries = new Map(at.entries);
  at.entryChanges.forEach((change, index) => {
    if (choice.entries[index]) applyEntryChange(entries, change);
  });
  const contents = new Map<number, Uint8Array>();
  const contentOf = (inode: number): Uint8Array => {
    const file = at.files.get(inode);
    if (file === undefined) return new Uint8Array();
    let content = file.synced;
    const landings = choice.landings.get(inode) ?? [];
    file.changes.forEach((change, index) => {
      content = landed(content, change, landings[index] ?? { kind: "dropped" });
    });
    return content;
  };
  const files = new Map<string, Uint8Array>();
  const hash = createHash("sha256");
  for (const name of [...entries.keys()].sort()) {
    const inode = entries.get(name) as number;
    if (!contents.has(inode)) contents.set(inode, contentOf(inode));
    const content = contents.get(inode) as Uint8Array;
    files.set(name, content);
    hash.update(`${name}\0${content.length}\0`).update(content);
  }
  return { files, digest: hash.digest("hex") };
}

function landed(content: Uint8Array, change: ContentChange, landing: Landing): Uint8Array {
  if (landing.kind === "dropped") return content;
  if (change.type === "truncate") {
    const cut = new Uint8Array(change.length);
    cut.set(content.subarray(0, change.length));
    return cut;
  }
  if (landing.kind === "whole") return writeInto(content, change.position, change.bytes);
  if (landing.kind === "cut")
    return writeInto(content, change.position, change.bytes.subarray(0, landing.length));
  if (landing.kind !== "pages") return content;
  let result = content;
  pagesOf(change.position, change.bytes.length, landing.pageSize).forEach(
    ({ start, end }, page) => {
      if (!landing.landed[page]) return;
      const from = start - change.position;
      result = writeInto(result, start, change.bytes.subarray(from, from + end - start));
    },
  );
  return result;
}

/** A random crash state at a point: every way a change can land has a fair chance. */
export function randomChoice(at: CrashPoint, random: () => number): CrashChoice {
  const landings = new Map<number, Landing[]>();
  for (const [inode, file] of at.files) {
    landings.set(
      inode,
      file.changes.map((change): Landing => {
        const roll = random();
        if (change.type === "truncate" || roll < 0.2)
          return { kind: random() < 0.5 ? "dropped" : "whole" };
        if (roll < 0.35) return { kind: "cut", length: Math.floor(random() * change.bytes.length) };
        const pageSize = roll < 0.65 ? 512 : 4096;
        const pages = pagesOf(change.position, change.bytes.length, pageSize).length;
        // Sometimes most pages land, sometimes few: both ends of the range are worth seeing.
        const bias = random();
        return {
          kind: "pages",
          pageSize,
          landed: Array.from({ length: pages }, () => random() < bias),
        };
      }),
    );
  }
  return { entries: at.entryChanges.map(() => random() < 0.5), landings };
}

/**
 * Every crash state at a point where changes land whole, not at all, or by 4 KiB pages in
 * any subset, when there are at most `limit` of them; otherwise `undefined`.
 */
export function allChoices(at: CrashPoint, limit: number): CrashChoice[] | undefined {
  const options: { inode: number; landings: Landing[] }[] = [];
  for (const [inode, file] of at.files) {
    for (const change of file.changes) {
      const pages =
        change.type === "write" ? pagesOf(change.position, change.bytes.length, 4096).length : 0;
      const landings: Landing[] = [{ kind: "dropped" }, { kind: "whole" }];
      if (pages > 1) {
        if (2 ** pages > limit) return undefined;
        for (let subset = 1; subset < 2 ** pages - 1; subset++) {
          const landed = Array.from({ length: pages }, (_, page) => (subset & (1 << page)) !== 0);
          landings.push({ kind: "pages", pageSize: 4096, landed });
        }
      }
      options.push({ inode, landings });
    }
  }
  let count = 2 ** at.entryChanges.length;
  for (const option of options) count *= option.landings.length;
  if (count > limit) return undefined;
  const choices: CrashChoice[] = [];
  for (let number = 0; number < count; number++) {
    let rest = number;
    const entries = at.entryChanges.map(() => {
      const happened = rest % 2 === 1;
      rest = Math.floor(rest / 2);
      return happened;
    });
    const landings = new Map<number, Landing[]>();
    for (const option of options) {
      const list = landings.get(option.inode) ?? [];
      list.push(option.landings[rest % option.landings.length] as Landing);
      rest = Math.floor(rest / option.landings.length);
      landings.set(option.inode, list);
    }
    choices.push({ entries, landings });
  }
  return choices;
}

let deadPid: number | undefined;

/** The pid of a process that has exited (and been reaped): it answers ESRCH. */
function pidOfDeadProcess(): number {
  deadPid ??= spawnSync(process.execPath, ["-e", ""]).pid;
  return deadPid;
}

/**
 * Writes a crash state into `folder` (created). A lock file it holds names this process, the
 * writer that "lost power": it is rewritten as the lock of a process of an earlier boot
 * that is gone (its pid answers ESRCH), which is what a power loss leaves for the next boot.
 */
export async function materialize(
  folder: string,
  state: CrashState,
  lockName: string,
): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (const [name, content] of state.files) {
    let bytes = content;
    if (name.startsWith(lockName)) bytes = asLockOfDeadProcess(content);
    await writeFile(join(folder, name), bytes);
  }
}

function asLockOfDeadProcess(content: Uint8Array): Uint8Array {
  try {
    const holder = JSON.parse(new TextDecoder().decode(content)) as {
      pid?: number;
      boot?: unknown;
    };
    if (holder.pid !== process.pid) return content;
    holder.pid = pidOfDeadProcess();
    if (typeof holder.boot === "string") holder.boot = `before-the-power-loss-${holder.boot}`;
    return new TextEncoder().encode(JSON.stringify(holder));
  } catch {
    // Not a whole lock: left as the crash left it.
    return content;
  }
}
