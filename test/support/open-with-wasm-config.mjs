// Child process of the WASM lookup tests: opens an adapter with one kind of sql.js config
// and prints what locateFile was asked and the SQLite version (or the error) as JSON.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { memoryPersistence, openSqlJsAdapter } from "negotiation-state";

// sql.js leaves a second, unhandled rejection behind when its WASM cannot be loaded; the
// open's own rejection is what this reports.
process.on("unhandledRejection", () => {});

const wasmPath = createRequire(import.meta.url).resolve("sql.js/dist/sql-wasm.wasm");
const asked = [];
const locateTo = (path) => (file) => {
  asked.push(file);
  return path;
};
const configs = {
  default: undefined,
  locateFile: { locateFile: locateTo(wasmPath) },
  wasmBinary: {
    wasmBinary: await readFile(wasmPath),
    locateFile: locateTo("/nowhere/sql-wasm.wasm"),
  },
  nowhere: { locateFile: locateTo("/nowhere/sql-wasm.wasm") },
};

try {
  const adapter = await openSqlJsAdapter({
    persistence: memoryPersistence(),
    sqlJs: configs[process.argv[2]],
  });
  const [{ version }] = await adapter.all("SELECT sqlite_version() AS version");
  await adapter.close();
  console.log(JSON.stringify({ asked, version }));
} catch (error) {
  console.log(JSON.stringify({ asked, error: String(error?.message ?? error) }));
}
