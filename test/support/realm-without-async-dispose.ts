import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import vm from "node:vm";
import { transform } from "esbuild";

/** What {@link awaitUsingWithoutNativeSymbol} found and got. */
export interface RealmResult {
  /** Whether the realm had `Symbol.asyncDispose` after all (the test is void when it did). */
  readonly hasNativeSymbol: boolean;
  /** What `body` returned, as plain data. */
  readonly value: unknown;
}

/**
 * Runs `body`, the body of an async function, in a new JavaScript realm whose `Symbol` has
 * no `asyncDispose` (Node's own realm always has one; a `vm` context's does not, as in a
 * browser that lacks it), once the usual polyfill has run. `body` sees `api`, the built package's main entry loaded inside
 * that realm, and every entry of `args`. It is compiled by esbuild for ES2022 first, so an
 * `await using` in it runs through esbuild's helper, which falls back to
 * `Symbol.for("Symbol.asyncDispose")` where the runtime has no symbol: what an application
 * bundled by esbuild (or Babel, or Vite) does in such a browser.
 *
 * @param body - Statements; what they return must be plain data (it is copied out as JSON).
 * @param args - Values from the test's realm, by the name `body` uses.
 * @returns Whether the realm had the symbol, and what `body` returned.
 */
export async function awaitUsingWithoutNativeSymbol(
  body: string,
  args: Record<string, unknown> = {},
): Promise<RealmResult> {
  const context = vm.createContext({
    console,
    process,
    setTimeout,
    clearTimeout,
    queueMicrotask,
    URL,
    TextEncoder,
    TextDecoder,
  });
  const hasNativeSymbol = vm.runInContext("typeof Symbol.asyncDispose === 'symbol'", context);
  // What such an application runs before anything else (core-js and TypeScript's docs give
  // the same line): the package's classes, defined when it loads, then find the symbol.
  vm.runInContext('Symbol.asyncDispose ??= Symbol.for("Symbol.asyncDispose")', context);
  const api = loadCommonJs(resolve("dist/index.cjs"), context, new Map());
  const names = Object.keys(args);
  const { code } = await transform(`(async (api, ${names.join(", ")}) => {\n${body}\n});`, {
    target: "es2022",
    loader: "js",
  });
  const run = vm.runInContext(code, context) as (...values: unknown[]) => Promise<unknown>;
  const value = await run(api, ...names.map((name) => args[name]));
  return {
    hasNativeSymbol,
    value: JSON.parse(JSON.stringify(value)),
  };
}

/**
 * Evaluates a CommonJS file of the build, and the chunks it requires, inside `context`;
 * packages (sql.js, big.js, valibot) come from this realm, as a bundler would inline them.
 */
function loadCommonJs(file: string, context: vm.Context, loaded: Map<string, unknown>): unknown {
  const cached = loaded.get(file) as { exports: unknown } | undefined;
  if (cached) return cached.exports;
  const module = { exports: {} as unknown };
  loaded.set(file, module);
  const requirePackage = createRequire(file);
  const wrapper = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8")}\n})`,
    {
      filename: file,
      // The build loads sql.js with import(): resolved by Node's own loader.
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    },
  );
  const evaluate = wrapper.runInContext(context) as (...args: unknown[]) => void;
  const require = (id: string) =>
    id.startsWith(".")
      ? loadCommonJs(resolve(dirname(file), id), context, loaded)
      : requirePackage(id);
  evaluate(module.exports, require, module, file, dirname(file));
  return module.exports;
}
