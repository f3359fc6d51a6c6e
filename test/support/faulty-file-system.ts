import { type FileSystem, nodeFileSystem } from "../../src/persistence/file-system.js";

/** The real file system, counting its calls; it can throw EIO at a chosen call, or hold syncs. */
export interface FaultyFileSystem extends FileSystem {
  /** Every call so far, as `name path`, oldest first. */
  readonly calls: string[];
  /** The 1-based number of the call to fail; `undefined` fails none. */
  failAt: number | undefined;
  /** When set, each `fdatasync` waits for it before syncing. */
  holdSyncs: Promise<void> | undefined;
}

/** Makes a {@link FaultyFileSystem} over the real file system. */
export function faultyFileSystem(): FaultyFileSystem {
  const paths = new Map<number, string>();
  const faulty = { calls: [] as string[], failAt: undefined, holdSyncs: undefined } as Omit<
    FaultyFileSystem,
    keyof FileSystem
  >;

  /** Wraps a call so that it is counted, and fails when its number comes up. */
  const counted =
    <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const subject = typeof args[0] === "number" ? paths.get(args[0]) : args[0];
      faulty.calls.push(`${name} ${String(subject)}`);
      if (faulty.calls.length === faulty.failAt) {
        const message = `EIO: injected fault at call ${faulty.failAt} (${faulty.calls.at(-1)})`;
        throw Object.assign(new Error(message), { code: "EIO" });
      }
      return call(...args);
    };

  const real = nodeFileSystem;
  return Object.assign(faulty, {
    open: counted("open", async (path: string, flags: string) => {
      const fd = await real.open(path, flags);
      paths.set(fd, path);
      return fd;
    }),
    write: counted("write", real.write),
    fsync: counted("fsync", real.fsync),
    fdatasync: counted("fdatasync", async (fd: number) => {
      await faulty.holdSyncs;
      return real.fdatasync(fd);
    }),
    ftruncate: counted("ftruncate", real.ftruncate),
    close: counted("close", real.close),
    readFile: counted("readFile", real.readFile),
    rename: counted("rename", real.rename),
    rm: counted("rm", real.rm),
    mkdir: counted("mkdir", real.mkdir),
    readdir: counted("readdir", real.readdir),
  });
}
