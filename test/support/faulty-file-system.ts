import { type FileSystem, nodeFileSystem } from "../../src/persistence/file-system.js";

/**
 * How an injected fault behaves:
 * - `EIO`, `ENOSPC`: the call fails with that code and does nothing (a `close` still
 *   releases its descriptor, as Linux's does);
 * - `EIO after`: the call takes effect, then reports EIO (a sync that synced, a rename
 *   that renamed);
 * - `short` (writes only): writes part of the bytes and says so, as a write may;
 * - `short, then ENOSPC` (writes only): a short write, then the next write fails with
 *   ENOSPC, as on a disk that has just filled up;
 * - `torn` (writes only): writes part of the bytes, then fails with EIO.
 */
export type FaultKind = "EIO" | "ENOSPC" | "EIO after" | "short" | "short, then ENOSPC" | "torn";

/** The fault kinds that apply to a call named `name` (`write`, `fsync`, `readFile`, ...). */
export function faultKindsFor(name: string): FaultKind[] {
  if (name === "write")
    return ["EIO", "ENOSPC", "EIO after", "short", "short, then ENOSPC", "torn"];
  if (["readFile", "read", "readdir", "stat", "statNow", "pathOf"].includes(name)) {
    return ["EIO", "ENOSPC"];
  }
  return ["EIO", "ENOSPC", "EIO after"];
}

/** A fault that was injected. */
export interface InjectedFault {
  /** The 1-based number of the call. */
  readonly at: number;
  /** The call, as `name path`. */
  readonly call: string;
  readonly kind: FaultKind;
}

/** The real file system, counting its calls; it can fail a chosen call, or hold syncs. */
export interface FaultyFileSystem extends FileSystem {
  /** Every call so far, as `name path`, oldest first. */
  readonly calls: string[];
  /** The 1-based number of the call to fail with EIO; `undefined` fails none. */
  failAt: number | undefined;
  /** The call to fail and how; `failAt` is shorthand for `{ at: failAt, kind: "EIO" }`. */
  fault: { readonly at: number; readonly kind: FaultKind } | undefined;
  /**
   * Called at the moment a fault is injected, before the failing call returns: after the
   * partial bytes of a short or torn write are written, before its error is thrown. A
   * test copies the files here to see what a power loss at that moment would leave.
   */
  onFault: ((fault: InjectedFault) => Promise<void> | void) | undefined;
  /** The faults injected so far. */
  readonly injected: InjectedFault[];
  /** When set, each `fdatasync` waits for it before syncing. */
  holdSyncs: Promise<void> | undefined;
  /**
   * Resolves once no call is under way and none began over two turns of the event loop:
   * what a step set going in the background (a checkpoint) is done by then.
   */
  idle(): Promise<void>;
}

/**
 * The error of a failing call. Like Node's errors of calls on a descriptor, it names the
 * call but no path: naming the file is the caller's job.
 */
const failure = (code: "EIO" | "ENOSPC", fault: InjectedFault, what = "injected fault") =>
  Object.assign(new Error(`${code}: ${what} at call ${fault.at} (${fault.call.split(" ")[0]})`), {
    code,
    syscall: fault.call.split(" ")[0],
  });

/** Makes a {@link FaultyFileSystem} over the real file system. */
export function faultyFileSystem(): FaultyFileSystem {
  const paths = new Map<number, string>();
  const real = nodeFileSystem;
  /** Set by a `short, then ENOSPC` fault: the next write fails. */
  let diskFull: InjectedFault | undefined;
  const faulty = {
    calls: [] as string[],
    failAt: undefined,
    fault: undefined,
    onFault: undefined,
    injected: [] as InjectedFault[],
    holdSyncs: undefined,
  } as Omit<FaultyFileSystem, keyof FileSystem | "idle">;

  const planned = (): FaultKind | undefined => {
    const number = faulty.calls.length;
    if (number === faulty.failAt) return "EIO";
    return faulty.fault?.at === number ? faulty.fault.kind : undefined;
  };

  let callsUnderWay = 0;
  const underWay = async <R>(call: () => Promise<R>): Promise<R> => {
    callsUnderWay++;
    try {
      return await call();
    } finally {
      callsUnderWay--;
    }
  };
  const idle = async () => {
    for (let quietTurns = 0; quietTurns < 2; ) {
      await new Promise((resolve) => setImmediate(resolve));
      quietTurns = callsUnderWay === 0 ? quietTurns + 1 : 0;
    }
  };

  /**
   * Wraps a call so that it is counted and fails when its number comes up. `always` is what
   * a failing call still does (a close releases its descriptor regardless); `undo` takes
   * back the result of a call that took effect before failing (the descriptor of an open).
   */
  const counted =
    <A extends unknown[], R>(
      name: string,
      call: (...args: A) => Promise<R>,
      {
        always,
        undo,
      }: { always?: (...args: A) => Promise<unknown>; undo?: (result: R) => Promise<unknown> } = {},
    ) =>
    (...args: A): Promise<R> =>
      underWay(async () => {
        const subject = typeof args[0] === "number" ? paths.get(args[0]) : args[0];
        faulty.calls.push(`${name} ${String(subject)}`);
        const kind = planned();
        if (kind === undefined) return call(...args);
        const fault = { at: faulty.calls.length, call: faulty.calls.at(-1) as string, kind };
        if (kind === "EIO after") {
          // A call that fails by itself (a link onto an existing name) fails as it would.
          const result = await call(...args);
          await undo?.(result);
        } else {
          await always?.(...args);
        }
        faulty.injected.push(fault);
        await faulty.onFault?.(fault);
        throw failure(kind === "ENOSPC" ? "ENOSPC" : "EIO", fault);
      });

  /** `counted`, for a call made at once: it changes nothing, so the hook is not waited for. */
  const countedNow =
    <A extends [string | number], R>(name: string, call: (...args: A) => R) =>
    (...args: A): R => {
      const subject = typeof args[0] === "number" ? paths.get(args[0]) : args[0];
      faulty.calls.push(`${name} ${String(subject)}`);
      const kind = planned();
      if (kind === undefined) return call(...args);
      const fault = { at: faulty.calls.length, call: faulty.calls.at(-1) as string, kind };
      faulty.injected.push(fault);
      void faulty.onFault?.(fault);
      throw failure(kind === "ENOSPC" ? "ENOSPC" : "EIO", fault);
    };

  const write = (
    fd: number,
    data: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<number> => underWay(() => writeNow(fd, data, offset, length, position));

  const writeNow = async (
    fd: number,
    data: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<number> => {
    const subject = paths.get(fd);
    faulty.calls.push(`write ${String(subject)}`);
    if (diskFull) {
      const cause = diskFull;
      diskFull = undefined;
      throw failure("ENOSPC", cause, "no space left after the short write");
    }
    const kind = planned();
    if (kind === undefined) return real.write(fd, data, offset, length, position);
    const fault = { at: faulty.calls.length, call: faulty.calls.at(-1) as string, kind };
    const part = Math.max(1, Math.floor(length / 2));
    let written = 0;
    if (kind === "EIO after") written = await real.write(fd, data, offset, length, position);
    else if (kind !== "EIO" && kind !== "ENOSPC") {
      written = await real.write(fd, data, offset, part, position);
    }
    faulty.injected.push(fault);
    await faulty.onFault?.(fault);
    if (kind === "short") return written;
    if (kind === "short, then ENOSPC") {
      diskFull = fault;
      return written;
    }
    throw failure(kind === "ENOSPC" ? "ENOSPC" : "EIO", fault);
  };

  return Object.assign(faulty, {
    idle,
    open: counted(
      "open",
      async (path: string, flags: string) => {
        const fd = await real.open(path, flags);
        paths.set(fd, path);
        return fd;
      },
      { undo: (fd) => real.close(fd) },
    ),
    write,
    fsync: counted("fsync", real.fsync),
    fdatasync: counted("fdatasync", async (fd: number) => {
      await faulty.holdSyncs;
      return real.fdatasync(fd);
    }),
    ftruncate: counted("ftruncate", real.ftruncate),
    close: counted("close", real.close, { always: real.close }),
    readFile: counted("readFile", real.readFile),
    read: counted("read", real.read),
    rename: counted("rename", real.rename),
    link: counted("link", real.link),
    rm: counted("rm", real.rm),
    mkdir: counted("mkdir", real.mkdir),
    readdir: counted("readdir", real.readdir),
    stat: counted("stat", real.stat),
    statNow: countedNow("statNow", real.statNow),
    pathOf: countedNow("pathOf", real.pathOf),
  });
}
