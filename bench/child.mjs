// Runs a bench script in a fresh Node process (for peak RSS, or to die without close()).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * @param {string} script path relative to bench/children/
 * @param {string[]} args
 * @param {number} timeoutMs the child is killed (and this rejects) after this long
 * @returns {Promise<{ code: number | null, signal: string | null, stdout: string }>}
 */
export function runChild(script, args, timeoutMs) {
  const file = fileURLToPath(new URL(`./children/${script}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not finish in ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (stderr.trim()) process.stderr.write(`[${script}] ${stderr}`);
      resolve({ code, signal, stdout });
    });
  });
}
