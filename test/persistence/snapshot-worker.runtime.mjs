// Run by `npm run test:bun` and `npm run test:deno` (Node runs the same in
// snapshot-rebuild.test.ts): in this runtime, the built file target rebuilds its
// checkpoints in its worker thread. The writer's own database is never exported while it
// saves (an export records the checkpoint in a table of it, sqljs_checkpoint), yet
// checkpoints land (the database file, which none has written before, appears), and every
// save is there after a reopen.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { filePersistence } from "../../dist/file.js";
import { openSqlJsAdapter } from "../../dist/index.js";

const ROWS = 1500;
const folder = mkdtempSync(join(tmpdir(), "negotiation-state-worker-"));
const file = join(folder, "n.db");
const fail = (message) => {
  console.error(`snapshot worker check: ${message}`);
  process.exitCode = 1;
};

try {
  const adapter = await openSqlJsAdapter({
    persistence: filePersistence(file, { checkpointBytes: 64 * 1024 }),
  });
  await adapter.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
  for (let k = 0; k < ROWS; k++) {
    await adapter.run("INSERT INTO t VALUES (?, ?)", [k, `${k}:${"x".repeat(1000)}`]);
  }
  // 1,500 records of 1 KB pass the 64 KiB threshold many times over: a checkpoint is under
  // way, and the first to land writes the database file. (The journal's size says nothing
  // here: the file grows a megabyte ahead of its records.)
  for (const deadline = Date.now() + 30_000; !existsSync(file) && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const [exported] = await adapter.all(
    "SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqljs_checkpoint'",
  );
  const folded = existsSync(file);
  await adapter.close();
  if (!folded) fail("no checkpoint wrote the database file within 30 s");
  if (exported.n !== 0) fail("the writer exported its own database: no worker rebuilt it");
  const reopened = await openSqlJsAdapter({ persistence: filePersistence(file) });
  const [{ n }] = await reopened.all("SELECT count(*) AS n FROM t");
  await reopened.close();
  if (n !== ROWS) fail(`${n} rows after a reopen, not ${ROWS}`);
  if (!process.exitCode)
    console.log(`snapshot worker check: checkpoints rebuilt in a worker, ${n} rows kept`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
