import { fstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { type FileSystem, nodeFileSystem } from "../../src/persistence/file-system.js";

/*
 * A FileSystem that performs every call on the real one, in one folder, and keeps what a
 * disk that honours fsync would have made durable at each moment: per file (inode), its
 * content as of its last fsync/fdatasync and the writes and truncations since; for the
 * folder, its entries as of its last fsync and the creates, renames, links and unlinks
 * since. test/support/crash-states.ts builds the crash states from it.
 */

/** A change of a file's content that is not durable until the file is synced. */
export type ContentChange =
  | {
      readonly type: "write";
      readonly event: number;
      readonly position: number;
      readonly bytes: Uint8Array;
    }
  | { readonly type: "truncate"; readonly event: number; readonly length: number };

/** A change of the folder's entries that is not durable until the folder is synced. */
export type EntryChange =
  | {
      readonly type: "create" | "link";
      readonly event: number;
      readonly name: string;
      readonly inode: number;
    }
  | {
      readonly type: "rename";
      readonly event: number;
      readonly from: string;
      readonly name: string;
      readonly inode: number;
    }
  | { readonly type: "unlink"; readonly event: number; readonly name: string };

/** What was recorded of one file. */
export interface InodeHistory {
  /** Its content at each sync (`event` 0: the file existed before recording began). */
  readonly syncs: { readonly event: number; readonly content: Uint8Array }[];
  readonly changes: ContentChange[];
  /** Its content now, as the recorded calls made it. */
  current: Uint8Array;
}

/** Everything a {@link CrashRecorder} recorded. */
export interface Recording {
  /** The folder's entries (name -> inode) when recording began, all durable. */
  readonly initialEntries: ReadonlyMap<string, number>;
  readonly inodes: ReadonlyMap<number, InodeHistory>;
  readonly entryChanges: readonly EntryChange[];
  /** The events at which the folder was synced. */
  readonly folderSyncs: readonly number[];
  /** Each call that completed, as `name file` (event n is `calls[n - 1]`). */
  readonly calls: readonly string[];
}

/** A recording file system; `events` counts the calls that completed so far. */
export interface CrashRecorder {
  readonly fileSystem: FileSystem;
  readonly recording: Recording;
  readonly events: () => number;
  /** Throws when the recorded model of the folder differs from the real folder. */
  readonly verify: () => void;
}

/**
 * Records the calls made on files in `folder` (which must exist, its current files durable).
 *
 * @param folder - The database's folder; calls on other paths pass through unrecorded.
 * @param real - The file system that performs the calls (another wrapper, or the real one).
 */
export function crashRecorder(folder: string, real: FileSystem = nodeFileSystem): CrashRecorder {
  const root = resolve(folder);
  const inodes = new Map<number, InodeHistory>();
  const entries = new Map<string, number>();
  for (const name of readdirSync(root)) {
    const path = `${root}/${name}`;
    const { ino } = statSync(path);
    entries.set(name, ino);
    if (!inodes.has(ino)) {
      const content = new Uint8Array(readFileSync(path));
      inodes.set(ino, { syncs: [{ event: 0, content }], changes: [], current: content.slice() });
    }
  }
  const recording = {
    initialEntries: new Map(entries),
    inodes,
    entryChanges: [] as EntryChange[],
    folderSyncs: [] as number[],
    calls: [] as string[],
  };
  /** Descriptors of files in the folder (inode), and of the folder itself (-1). */
  const descriptors = new Map<number, number>();
  let inFlight = 0;

  const nameIn = (path: string): string | undefined =>
    dirname(resolve(path)) === root ? basename(path) : undefined;
  const history = (inode: number): InodeHistory => {
    let found = inodes.get(inode);
    if (found === undefined) {
      found = {
        syncs: [{ event: 0, content: new Uint8Array() }],
        changes: [],
        current: new Uint8Array(),
      };
      inodes.set(inode, found);
    }
    return found;
  };
  const none = () => undefined;
  /** Runs a call alone (the model needs one order), and numbers it once it completed. */
  const recorded =
    <A extends unknown[], R>(
      name: string,
      call: (...args: A) => Promise<R>,
      after: (event: number, result: R, ...args: A) => void,
    ) =>
    async (...args: A): Promise<R> => {
      // Two changes under way at once could take effect in another order than they complete.
      const changes = after !== none;
      if (changes && inFlight > 0)
        throw new Error(`crash recorder: ${name} overlaps another change`);
      if (changes) inFlight++;
      try {
        const result = await call(...args);
        const subject = typeof args[0] === "number" ? `fd ${args[0]}` : String(args[0]);
        recording.calls.push(`${name} ${subject}`);
        after(recording.calls.length, result, ...args);
        return result;
      } finally {
        if (changes) inFlight--;
      }
    };
  const setContent = (inode: number, change: ContentChange) => {
    const file = history(inode);
    file.changes.push(change);
    file.current = applyChange(file.current, change);
  };
  const sync = (event: number, _result: unknown, fd: number) => {
    const inode = descriptors.get(fd);
    if (inode === undefined) return;
    if (inode === -1) recording.folderSyncs.push(event);
    else history(inode).syncs.push({ event, content: history(inode).current.slice() });
  };

  const fileSystem: FileSystem = {
    open: recorded(
      "open",
      (path: string, flags: string) => real.open(path, flags),
      (event, fd, path, flags) => {
        if (resolve(path) === root) {
          descriptors.set(fd, -1);
          return;
        }
        const name = nameIn(path);
        if (name === undefined) return;
        const { ino } = fstatSync(fd);
        descriptors.set(fd, ino);
        if (entries.get(name) !== ino) {
          entries.set(name, ino);
          history(ino);
          recording.entryChanges.push({ type: "create", event, name, inode: ino });
        } else if (flags.startsWith("w")) {
          setContent(ino, { type: "truncate", event, length: 0 });
        }
      },
    ),
    write: recorded(
      "write",
      (fd: number, data: Uint8Array, offset: number, length: number, position: number | null) =>
        real.write(fd, data, offset, length, position),
      (event, written, fd, data, offset, _length, position) => {
        const inode = descriptors.get(fd);
        if (inode === undefined || inode === -1) return;
        const at = position ?? fstatSync(fd).size - written;
        setContent(inode, {
          type: "write",
          event,
          position: at,
          bytes: data.slice(offset, offset + written),
        });
      },
    ),
    fsync: recorded("fsync", (fd: number) => real.fsync(fd), sync),
    fdatasync: recorded("fdatasync", (fd: number) => real.fdatasync(fd), sync),
    ftruncate: recorded(
      "ftruncate",
      (fd: number, length: number) => real.ftruncate(fd, length),
      (event, _r, fd, length) => {
        const inode = descriptors.get(fd);
        if (inode !== undefined && inode !== -1)
          setContent(inode, { type: "truncate", event, length });
      },
    ),
    close: recorded(
      "close",
      (fd: number) => real.close(fd),
      (_event, _r, fd) => {
        descriptors.delete(fd);
      },
    ),
    readFile: recorded("readFile", (path: string) => real.readFile(path), none),
    read: recorded(
      "read",
      (fd: number, into: Uint8Array, position: number) => real.read(fd, into, position),
      none,
    ),
    rename: recorded(
      "rename",
      (from: string, to: string) => real.rename(from, to),
      (event, _r, from, to) => {
        const source = nameIn(from);
        const name = nameIn(to);
        if (source === undefined || name === undefined) return;
        const inode = entries.get(source) as number;
        entries.delete(source);
        entries.set(name, inode);
        recording.entryChanges.push({ type: "rename", event, from: source, name, inode });
      },
    ),
    link: recorded(
      "link",
      (from: string, to: string) => real.link(from, to),
      (event, _r, from, to) => {
        const source = nameIn(from);
        const name = nameIn(to);
        if (source === undefined || name === undefined) return;
        const inode = entries.get(source) as number;
        entries.set(name, inode);
        recording.entryChanges.push({ type: "link", event, name, inode });
      },
    ),
    rm: recorded(
      "rm",
      (path: string, options: { force: boolean }) => real.rm(path, options),
      (event, _r, path) => {
        const name = nameIn(path);
        if (name === undefined || !entries.has(name)) return;
        entries.delete(name);
        recording.entryChanges.push({ type: "unlink", event, name });
      },
    ),
    mkdir: recorded(
      "mkdir",
      (path: string, options: { recursive: true }) => real.mkdir(path, options),
      none,
    ),
    readdir: recorded("readdir", (path: string) => real.readdir(path), none),
    stat: recorded("stat", (path: string) => real.stat(path), none),
    statNow: (path: string) => {
      const stat = real.statNow(path);
      recording.calls.push(`statNow ${path}`);
      return stat;
    },
    pathOf: (fd: number) => {
      const path = real.pathOf(fd);
      recording.calls.push(`pathOf fd ${fd}`);
      return path;
    },
  };

  return {
    fileSystem,
    recording,
    events: () => recording.calls.length,
    verify() {
      const names = readdirSync(root).sort();
      const modelled = [...entries.keys()].sort();
      if (names.join("/") !== modelled.join("/")) {
        throw new Error(
          `crash recorder: the folder holds ${names.join(", ")}, the model ${modelled.join(", ")}`,
        );
      }
      for (const [name, inode] of entries) {
        const bytes = new Uint8Array(readFileSync(`${root}/${name}`));
        if (Buffer.compare(bytes, history(inode).current) !== 0) {
          throw new Error(`crash recorder: ${name} differs from the model of its content`);
        }
      }
    },
  };
}

/** A file's content after one change. */
export function applyChange(content: Uint8Array, change: ContentChange): Uint8Array {
  if (change.type === "truncate") {
    const cut = new Uint8Array(change.length);
    cut.set(content.subarray(0, change.length));
    return cut;
  }
  return writeInto(content, change.position, change.bytes);
}

/** `content` with `bytes` written at `position`, grown (zero-filled) as needed. */
export function writeInto(content: Uint8Array, position: number, bytes: Uint8Array): Uint8Array {
  const end = position + bytes.length;
  const result = end > content.length ? new Uint8Array(end) : content.slice();
  if (end > content.length) result.set(content);
  result.set(bytes, position);
  return result;
}
