import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const REPLICA = fileURLToPath(new URL("postgres-replica.mjs", import.meta.url));

/** A Node process running test/support/postgres-replica.mjs, read line by line. */
export interface ReplicaProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Every line it printed so far, in order. */
  readonly lines: readonly string[];
  /**
   * Resolves with the first line (printed so far or later) that starts with `prefix`.
   *
   * @throws When the process ended without printing one; the message holds its output.
   */
  line(prefix: string): Promise<string>;
  /** Sends the "go" the replica waits for after "ready". */
  go(): void;
  /** Resolves once the process ended, with its exit code (`null` when a signal ended it). */
  readonly exited: Promise<number | null>;
}

/**
 * Starts a replica process on the built package (see postgres-replica.mjs for the modes and
 * what each prints). The caller waits for `line("ready")`, calls `go()`, and kills the
 * process if the test ends before it does.
 *
 * @param args - The script's arguments: url, schema, mode, name and the mode's own.
 */
export function startReplica(args: readonly string[]): ReplicaProcess {
  const child = spawn(process.execPath, [REPLICA, ...args]);
  const lines: string[] = [];
  let stderr = "";
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    wake();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on("close", (code) => {
      ended = true;
      wake();
      resolve(code);
    });
  });
  return {
    child,
    lines,
    exited,
    line(prefix) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find((line) => line.startsWith(prefix));
          if (found === undefined && !ended) return;
          waiters.delete(check);
          if (found !== undefined) resolve(found);
          else {
            reject(
              new Error(
                `replica ${args[3]} (pid ${child.pid}) ended without printing "${prefix}": ${[...lines, stderr].join("\n")}`,
              ),
            );
          }
        };
        waiters.add(check);
        check();
      });
    },
    go: () => child.stdin.write("go\n"),
  };
}

/**
 * Starts replicas, waits until each is ready, then sends every one its "go" at once.
 *
 * @param argsOfEach - The arguments of each replica.
 * @returns The replicas, started.
 */
export async function startReplicasTogether(
  argsOfEach: readonly (readonly string[])[],
): Promise<ReplicaProcess[]> {
  const replicas = argsOfEach.map(startReplica);
  try {
    await Promise.all(replicas.map((replica) => replica.line("ready")));
  } catch (error) {
    for (const replica of replicas) replica.child.kill("SIGKILL");
    throw error;
  }
  for (const replica of replicas) replica.go();
  return replicas;
}
