import * as fs from "node:fs/promises";
import type { FileHandle, FileSystem } from "../../src/persistence/file-system.js";

/** A `node:fs/promises` that counts its calls and can throw EIO at a chosen one, or hold syncs. */
export interface FaultyFileSystem extends FileSystem {
  /** Every call so far, as `name path`, oldest first. */
  readonly calls: string[];
  /** The 1-based number of the call to fail; `undefined` fails none. */
  failAt: number | undefined;
  /** When set, each `datasync` waits for it before syncing. */
  holdSyncs: Promise<void> | undefined;
}

/** Makes a {@link FaultyFileSystem} over the real file system. */
export function faultyFileSystem(): FaultyFileSystem {
  const faulty = { calls: [] as string[], failAt: undefined, holdSyncs: undefined } as Omit<
    FaultyFileSystem,
    keyof FileSystem
  >;

  /** Wraps a call so that it is counted, and fails when its number comes up. */
  const counted =
    <A extends unknown[], R>(name: string, subject: unknown, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      faulty.calls.push(`${name} ${String(subject ?? args[0])}`);
      if (faulty.calls.length === faulty.failAt) {
        const message = `EIO: injected fault at call ${faulty.failAt} (${faulty.calls.at(-1)})`;
        throw Object.assign(new Error(message), { code: "EIO" });
      }
      return call(...args);
    };

  const wrapHandle = (handle: fs.FileHandle, path: string): FileHandle => ({
    write: counted(
      "write",
      path,
      (data: Uint8Array, offset: number, length: number, position: number | null) =>
        handle.write(data, offset, length, position),
    ),
    sync: counted("sync", path, () => handle.sync()),
    datasync: counted("datasync", path, async () => {
      await faulty.holdSyncs;
      return handle.datasync();
    }),
    truncate: counted("truncate", path, (length: number) => handle.truncate(length)),
    close: counted("close", path, () => handle.close()),
  });

  return Object.assign(faulty, {
    open: counted("open", undefined, async (path: string, flags: string) =>
      wrapHandle(await fs.open(path, flags), path),
    ),
    readFile: counted("readFile", undefined, (path: string) => fs.readFile(path)),
    rename: counted("rename", undefined, (from: string, to: string) => fs.rename(from, to)),
    rm: counted("rm", undefined, (path: string, options: { force: boolean }) =>
      fs.rm(path, options),
    ),
    mkdir: counted("mkdir", undefined, (path: string, options: { recursive: true }) =>
      fs.mkdir(path, options),
    ),
    readdir: counted("readdir", undefined, (path: string) => fs.readdir(path)),
  });
}
