import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./python-service.py", import.meta.url));

/** What the service has committed, as its own connection reads it. */
export interface PythonView {
  readonly threads: string[];
  readonly audit: string[];
  /** `PRAGMA integrity_check`'s first line: `"ok"` when the file is sound. */
  readonly integrity: string;
  /** `[type, name, root page, sql]` of every table and index, by name. */
  readonly schema: [string, string, number, string | null][];
}

/** A real python3 process holding the database open, as the Python service does. */
export interface PythonService {
  /** Commits a negotiation row (state `awaiting_reply`) on `threadId`. */
  save(threadId: string): Promise<void>;
  /** Commits a row of the service's own `audit_log` table. */
  audit(entry: string): Promise<void>;
  /** Starts a transaction that changes `threadId`'s row and an audit row, and leaves it open. */
  begin(threadId: string): Promise<void>;
  read(): Promise<PythonView>;
  /** Closes its connection (a WAL is checkpointed and removed) and ends the process. */
  close(): Promise<void>;
  /** Ends the process by SIGKILL: its WAL stays as it was. */
  kill(): Promise<void>;
}

/**
 * Starts python3 with the database `file` open (created with the package's table and an
 * audit table of the service's own when missing).
 *
 * @param options - `wal`: open in WAL mode with automatic checkpoints off, so commits stay
 *   in `<file>-wal` until it closes.
 */
export async function startPythonService(
  file: string,
  options: { wal: boolean },
): Promise<PythonService> {
  const child = spawn("python3", [SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ask = async (command: object): Promise<Record<string, unknown>> => {
    child.stdin.write(`${JSON.stringify(command)}\n`);
    const { value, done } = await answers.next();
    if (done)
      throw new Error(`python3 ended without answering ${JSON.stringify(command)}: ${stderr}`);
    const answer = JSON.parse(value) as Record<string, unknown>;
    if (answer.error !== undefined) throw new Error(`python3: ${String(answer.error)}`);
    return answer;
  };
  await ask({ open: file, wal: options.wal });
  return {
    save: async (threadId) => void (await ask({ save: threadId })),
    audit: async (entry) => void (await ask({ audit: entry })),
    begin: async (threadId) => void (await ask({ begin: threadId })),
    read: async () => (await ask({ read: true })) as unknown as PythonView,
    close: async () => {
      await ask({ close: true });
      await ended(child, () => child.stdin.end());
    },
    kill: () => ended(child, () => child.kill("SIGKILL")),
  };
}

/**
 * What python3 reads from `file` with a connection of its own, opened and closed for this
 * one read.
 */
export async function readWithPython(file: string): Promise<PythonView> {
  const service = await startPythonService(file, { wal: false });
  try {
    return await service.read();
  } finally {
    await service.close();
  }
}

function ended(child: ChildProcessWithoutNullStreams, stop: () => void): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("close", () => resolve());
    stop();
  });
}
