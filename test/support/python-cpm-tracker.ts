/**
 * The Python service's CPM tracker (`python-cpm-tracker.py`, rebuilt from DESIGN §3 with
 * Python's `decimal`), and the single decimal operations it is built from, run in one
 * python3 process that answers case after case over a pipe, so that a property of hundreds
 * of cases costs one process start.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./python-cpm-tracker.py", import.meta.url));

/** A tracker and the engagement rate to ask about; decimals as the caller wrote them. */
export interface TrackerCase {
  readonly targetMinCpm: string;
  readonly targetMaxCpm: string;
  readonly totalInfluencers: number;
  readonly agreements: readonly { readonly cpm: string; readonly rate: number | null }[];
  readonly rate: number | null;
}

/** What the Python tracker computes: decimals as `str(Decimal)`, or the exception it raised. */
export type PythonFlexibility =
  | {
      readonly running_average_cpm: string | null;
      readonly target_cpm: string;
      readonly max_allowed_cpm: string;
      readonly reason: string;
    }
  | { readonly error: string };

/** One operation of Python's `decimal`: its result as `str(Decimal)`, or the exception raised. */
export type PythonDecimalResult = { readonly result: string } | { readonly error: string };

/** A running python3 that computes trackers; `close()` ends it. */
export interface PythonCpmTracker {
  flexibility(trackerCase: TrackerCase): Promise<PythonFlexibility>;
  /** `Decimal(a) op Decimal(b)` in Python's default context. */
  operation(op: "+" | "-" | "*" | "/", a: string, b: string): Promise<PythonDecimalResult>;
  /** Python's `repr()` of the float. */
  floatRepr(value: number): Promise<string>;
  close(): Promise<void>;
}

/** Starts python3 on the reference tracker. */
export function startPythonCpmTracker(): PythonCpmTracker {
  const child = spawn("python3", [SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const waiting: { resolve(line: string): void; reject(error: Error): void }[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => waiting.shift()?.resolve(line));
  const exited = new Promise<void>((resolve) => {
    child.on("close", (code) => {
      const error = new Error(`python3 ${SCRIPT} exited with ${code}: ${stderr}`);
      for (const pending of waiting.splice(0)) pending.reject(error);
      resolve();
    });
  });
  const ask = (line: string) =>
    new Promise<string>((resolve, reject) => {
      waiting.push({ resolve, reject });
      child.stdin.write(`${line}\n`);
    }).then((answer) => JSON.parse(answer) as unknown);
  return {
    flexibility(trackerCase) {
      const line = JSON.stringify({
        target_min_cpm: trackerCase.targetMinCpm,
        target_max_cpm: trackerCase.targetMaxCpm,
        total_influencers: trackerCase.totalInfluencers,
        agreements: trackerCase.agreements.map(({ cpm, rate }) => ({
          cpm,
          engagement_rate: doubleBits(rate),
        })),
        rate: doubleBits(trackerCase.rate),
      });
      return ask(line) as Promise<PythonFlexibility>;
    },
    operation(op, a, b) {
      return ask(JSON.stringify({ op, a, b })) as Promise<PythonDecimalResult>;
    },
    async floatRepr(value) {
      const answer = (await ask(JSON.stringify({ repr: doubleBits(value) }))) as { result: string };
      return answer.result;
    },
    close() {
      child.stdin.end();
      return exited;
    },
  };
}

/** A double's exact bits as 16 hex digits (JSON would write -0 as 0), or null. */
function doubleBits(value: number | null): string | null {
  if (value === null) return null;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0).toString(16).padStart(16, "0");
}
