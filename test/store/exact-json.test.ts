/**
 * parseExactJson: JSON.parse, but integer literals beyond the safe range come back as exact
 * bigints. Both ways of reading are tested here: the scanner directly (Node 20 has no source
 * text access), and the runtime's source text access in a Node that has it switched on and
 * in Bun, against the scanner on the same texts.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  parseExactJson,
  parseExactJsonByScanning,
  parseExactJsonBySource,
  readsJsonSource,
  stringifyExactJson,
} from "../../src/store/exact-json.js";
import { checkProperty, jsonDifference, timeoutFor } from "../properties/support.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUN = join(ROOT, "node_modules", ".bin", "bun");

/** A JSON value to write, with what reading it must give. */
type Node =
  | { readonly kind: "literal"; readonly text: string; readonly expected: unknown }
  | { readonly kind: "array"; readonly items: readonly Node[] }
  | { readonly kind: "object"; readonly entries: readonly (readonly [string, Node])[] };

const INTEGER_LITERAL = /^-?\d+$/;

/** What a number literal must read as: a bigint for an unsafe integer, else JSON.parse's number. */
function numberExpected(literal: string): unknown {
  const value = Number(literal);
  return INTEGER_LITERAL.test(literal) && !Number.isSafeInteger(value) ? BigInt(literal) : value;
}

const digitString = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength, maxLength });

/** Number literals of every JSON form: long integers, fractions, exponents, -0. */
const numberLiteral = fc
  .record({
    minus: fc.boolean(),
    whole: fc.oneof(
      fc.constant("0"),
      fc.tuple(fc.constantFrom(..."123456789"), digitString(0, 15)).map(([a, b]) => a + b),
      fc.tuple(fc.constantFrom(..."123456789"), digitString(15, 40)).map(([a, b]) => a + b),
      fc.constantFrom("9007199254740991", "9007199254740992", "9223372036854775807"),
    ),
    fraction: fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: digitString(1, 25) },
    ),
    exponent: fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom("e", "E"), fc.constantFrom("", "+", "-"), digitString(1, 3))
          .map((parts) => parts.join("")),
      },
    ),
  })
  .map(
    ({ minus, whole, fraction, exponent }) =>
      `${minus ? "-" : ""}${whole}${fraction === null ? "" : `.${fraction}`}${exponent ?? ""}`,
  );

/** Text of every kind, written as JSON.stringify writes it or with every unit escaped. */
const stringLiteral = fc
  .tuple(
    fc.oneof(
      fc.string({ unit: "binary", maxLength: 10 }),
      digitString(16, 25),
      fc.constantFrom('"', "\\", "\u2028", "\ud800", "12345678901234567890\\n", "\u{1F338}"),
    ),
    fc.boolean(),
  )
  .map(([value, escapeAll]) => ({
    value,
    text: escapeAll
      ? `"${Array.from({ length: value.length }, (_, index) => `\\u${value.charCodeAt(index).toString(16).padStart(4, "0")}`).join("")}"`
      : JSON.stringify(value),
  }));

const key = fc.oneof(
  stringLiteral,
  fc.constantFrom("__proto__", "0", "10", "constructor", "").map((value) => ({
    value,
    text: JSON.stringify(value),
  })),
);

const { node } = fc.letrec<{ node: Node; array: Node; object: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    numberLiteral.map((text): Node => ({ kind: "literal", text, expected: numberExpected(text) })),
    stringLiteral.map(({ value, text }): Node => ({ kind: "literal", text, expected: value })),
    fc
      .constantFrom(true, false, null)
      .map((value): Node => ({ kind: "literal", text: String(value), expected: value })),
    tie("array"),
    tie("object"),
  ),
  array: fc.array(tie("node"), { maxLength: 5 }).map((items): Node => ({ kind: "array", items })),
  object: fc
    .uniqueArray(fc.tuple(key, tie("node")), { maxLength: 5, selector: ([name]) => name.value })
    .map(
      (entries): Node => ({
        kind: "object",
        entries: entries.map(([name, value]) => [name.text, value] as const),
      }),
    ),
}));

/** JSON's four whitespace characters, in runs, between every two tokens. */
const spacing = fc.array(fc.constantFrom("", "", " ", "\n", "\t", "\r\n", "  "), {
  minLength: 1,
  maxLength: 8,
});

function write(value: Node, spaces: readonly string[]): string {
  let turn = 0;
  const space = () => spaces[turn++ % spaces.length] ?? "";
  const walk = (current: Node): string => {
    if (current.kind === "literal") return current.text;
    if (current.kind === "array") {
      return `[${space()}${current.items.map(walk).join(`${space()},${space()}`)}${space()}]`;
    }
    const members = current.entries.map(
      ([name, child]) => `${name}${space()}:${space()}${walk(child)}`,
    );
    return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
  };
  return `${space()}${walk(value)}${space()}`;
}

function expectedOf(value: Node): unknown {
  if (value.kind === "literal") return value.expected;
  if (value.kind === "array") return value.items.map(expectedOf);
  return Object.fromEntries(
    value.entries.map(([name, child]) => [JSON.parse(name) as string, expectedOf(child)]),
  );
}

const document = fc.record({ value: node, spaces: spacing }).map(({ value, spaces }) => ({
  text: write(value, spaces),
  expected: expectedOf(value),
}));

/** Texts every way of reading must agree on: edge cases first. */
const CASES: readonly (readonly [string, unknown])[] = [
  [
    '{"n": 9223372036854775807, "m": -9223372036854775808, "big": 123456789012345678901234567890, "list": [1, 9007199254740993]}',
    {
      n: 9223372036854775807n,
      m: -9223372036854775808n,
      big: 123456789012345678901234567890n,
      list: [1, 9007199254740993n],
    },
  ],
  ["9007199254740991", Number.MAX_SAFE_INTEGER],
  ["-9007199254740991", Number.MIN_SAFE_INTEGER],
  ["9007199254740992", 9007199254740992n],
  ["-9007199254740992", -9007199254740992n],
  ["[0, 1234567890123456, -9007199254740991]", [0, 1234567890123456, Number.MIN_SAFE_INTEGER]],
  ["-0", -0],
  ["[-0, 0]", [-0, 0]],
  ["1e400", Number.POSITIVE_INFINITY],
  ["-1e400", Number.NEGATIVE_INFINITY],
  // Not integer literals: rounded numbers, as JSON.parse reads them.
  ["12345678901234567890.5", 1.2345678901234567e19],
  ["12345678901234567890e0", 1.2345678901234567e19],
  ["100000000000000000000", 100000000000000000000n],
  ["1E20", 1e20],
  ["0.30000000000000004", 0.30000000000000004],
  ["1.0000000000000000000001e22", 1e22],
  ['"12345678901234567890"', "12345678901234567890"],
  ['"\\"12345678901234567890\\u0041\\ud800"', '"12345678901234567890A\ud800'],
  [
    '{"a": 12345678901234567890, "b": 1, "a": 2}',
    Object.fromEntries([
      ["a", 2],
      ["b", 1],
    ]),
  ],
  ['{"a": 1, "a": 12345678901234567890}', { a: 12345678901234567890n }],
  [
    '{"__proto__": 12345678901234567890}',
    Object.fromEntries([["__proto__", 12345678901234567890n]]),
  ],
  [
    '{"b": 1, "2": 12345678901234567890, "1": [99999999999999999999]}',
    { 1: [99999999999999999999n], 2: 12345678901234567890n, b: 1 },
  ],
  [
    ' \t\r\n{ \n"a" :\t[ 12345678901234567890 , {} , [ ] , true,false ,null ] } \n',
    { a: [12345678901234567890n, {}, [], true, false, null] },
  ],
  ["[[[[[[[[[[18446744073709551616]]]]]]]]]]", [[[[[[[[[[18446744073709551616n]]]]]]]]]]],
];

describe("parseExactJson and its scanner", () => {
  it.each(CASES)("read %s", (text, expected) => {
    expect(jsonDifference(parseExactJsonByScanning(text), expected)).toBeNull();
    expect(jsonDifference(parseExactJson(text), expected)).toBeNull();
  });

  it("give text without a run of 16 digits to JSON.parse unchanged", () => {
    const text = '{"cpm": "25.50", "round": 900719925474099, "ratio": 0.125, "tags": ["a"]}';
    expect(jsonDifference(parseExactJson(text), JSON.parse(text))).toBeNull();
  });

  it("throw JSON.parse's own SyntaxError for text that is not JSON", () => {
    for (const text of [
      '{"a": 12345678901234567890,}',
      "[12345678901234567890",
      "12345678901234567890 1",
      "012345678901234567890",
      '{"a": 12345678901234567890.}',
      "",
    ]) {
      let expected: unknown;
      try {
        JSON.parse(text);
      } catch (error) {
        expected = error;
      }
      expect(expected, text).toBeInstanceOf(SyntaxError);
      expect(() => parseExactJsonByScanning(text)).toThrow(expected as SyntaxError);
      expect(() => parseExactJson(text)).toThrow(expected as SyntaxError);
    }
  });

  it("read by source text access, fall back to the scanner for nesting deeper than a reviver recurses", () => {
    // A reviver's walk takes a call per level: 100,000 levels overflow it in every engine.
    const depth = 100_000;
    const text = `${"[".repeat(depth)}-12345678901234567890${"]".repeat(depth)}`;
    let value = parseExactJsonBySource(text);
    for (let level = 0; level < depth; level++) value = (value as unknown[])[0];
    expect(value).toBe(-12345678901234567890n);
    expect(() => parseExactJsonBySource(`[${text}`)).toThrow(SyntaxError);
  });

  it("read nesting as deep as JSON.parse does, without a call per level", () => {
    const depth = 100_000;
    const text = `${"[".repeat(depth)}-12345678901234567890${"]".repeat(depth)}`;
    let value = parseExactJsonByScanning(text);
    for (let level = 0; level < depth; level++) value = (value as unknown[])[0];
    expect(value).toBe(-12345678901234567890n);
  });

  it("read generated JSON exactly: bigints for unsafe integer literals, JSON.parse's values for the rest", async () => {
    await checkProperty(
      "exact JSON reading (scanner and parseExactJson)",
      fc.property(document, ({ text, expected }) => {
        expect(jsonDifference(parseExactJsonByScanning(text), expected)).toBeNull();
        expect(jsonDifference(parseExactJson(text), expected)).toBeNull();
      }),
      500,
    );
  });

  it("refuse damaged JSON exactly when JSON.parse does, with its message", async () => {
    const damaged = fc
      .tuple(document, fc.nat(), fc.constantFrom("", ",", "]", "}", '"', "0", "-", ".", "e"))
      .map(([{ text }, at, insert]) => {
        const cut = at % (text.length + 1);
        return `${text.slice(0, cut)}${insert}${text.slice(cut + (insert === "" ? 1 : 0))}`;
      });
    await checkProperty(
      "exact JSON reading refuses what JSON.parse refuses",
      fc.property(damaged, (text) => {
        let expected: unknown = null;
        try {
          JSON.parse(text);
        } catch (error) {
          expected = error;
        }
        if (expected === null) {
          expect(() => parseExactJsonByScanning(text)).not.toThrow();
        } else {
          expect(() => parseExactJsonByScanning(text)).toThrow(expected as SyntaxError);
        }
      }),
      500,
    );
  });
});

describe("stringifyExactJson", () => {
  it("writes what JSON.stringify writes for data without bigints, compact and indented", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2, 4), (value, indent) => {
        expect(stringifyExactJson(value, indent)).toBe(JSON.stringify(value, null, indent));
      }),
      { numRuns: 500 },
    );
  });

  it("writes 100,000 levels, compact and indented, without a call per level", () => {
    const depth = 100_000;
    let value: unknown = [{ n: -12345678901234567890n }];
    for (let level = 1; level < depth; level++) value = [value];
    const compact = stringifyExactJson(value);
    expect(compact).toBe(`${"[".repeat(depth)}{"n":-12345678901234567890}${"]".repeat(depth)}`);
    let back = parseExactJsonByScanning(compact);
    for (let level = 0; level < depth; level++) back = (back as unknown[])[0];
    expect(back).toStrictEqual({ n: -12345678901234567890n });
    // Indented text grows with the square of the depth: 2,000 levels are 4 million spaces.
    for (let level = 2_000; level < depth; level++) value = (value as unknown[])[0];
    const indented = stringifyExactJson(value, 1);
    // A line per bracket, and three for the object: "{", its member, "}".
    expect(indented.split("\n")).toHaveLength(2 * 2_000 + 3);
    expect(indented.replace(/\s/g, "")).toBe(
      `${"[".repeat(2_000)}{"n":-12345678901234567890}${"]".repeat(2_000)}`,
    );
  });

  it("writes bigints as their digits, at any depth, and leaves out undefined members", () => {
    const value = { n: 9223372036854775807n, list: [1, -18446744073709551617n], gone: undefined };
    expect(stringifyExactJson(value)).toBe(
      '{"n":9223372036854775807,"list":[1,-18446744073709551617]}',
    );
    expect(stringifyExactJson(value, 2)).toBe(
      '{\n  "n": 9223372036854775807,\n  "list": [\n    1,\n    -18446744073709551617\n  ]\n}',
    );
    expect(parseExactJson(stringifyExactJson(value, 2))).toEqual({
      n: 9223372036854775807n,
      list: [1, -18446744073709551617n],
    });
  });
});

describe("source text access, where a runtime has it", () => {
  /**
   * Bundles `source` (TypeScript, importing from the repository's root) and runs it in
   * `command`, with `input` on its standard input.
   *
   * @returns What the script printed, parsed as JSON.
   */
  function runIn(command: string, args: readonly string[], source: string, input = ""): unknown {
    const folder = mkdtempSync(join(tmpdir(), "exact-json-"));
    try {
      const bundle = buildSync({
        stdin: { contents: source, resolveDir: ROOT, sourcefile: "script.ts", loader: "ts" },
        bundle: true,
        format: "esm",
        platform: "node",
        write: false,
        logLevel: "silent",
      });
      const script = join(folder, "script.mjs");
      writeFileSync(script, bundle.outputFiles[0]?.text ?? "");
      return JSON.parse(execFileSync(command, [...args, script], { input }).toString());
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  /** The runtimes with source text access: V8 behind a flag, and JavaScriptCore. */
  const RUNTIMES = [
    [
      "V8 (node --harmony-json-parse-with-source)",
      process.execPath,
      ["--harmony-json-parse-with-source"],
    ],
    ["JavaScriptCore (bun)", BUN, []],
  ] as const;

  const texts = [
    ...CASES.map(([text]) => text),
    ...fc.sample(document, { numRuns: 300, seed: 53 }).map(({ text }) => text),
  ];

  it.each(RUNTIMES)(
    "%s reads every text as the scanner does",
    (_, command, args) => {
      // Reads each text by source text access and by the scanner, and compares.
      const result = runIn(
        command,
        args,
        `
import { parseExactJson, parseExactJsonByScanning, parseExactJsonBySource, readsJsonSource } from "./src/store/exact-json.ts";
import { jsonDifference } from "./test/properties/support.ts";
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const texts = JSON.parse(Buffer.concat(chunks).toString("utf8"));
let bigints = 0;
const count = (value) => {
  if (typeof value === "bigint") bigints++;
  else if (typeof value === "object" && value !== null) for (const child of Object.values(value)) count(child);
};
const differences = texts.map((text) => {
  const bySource = parseExactJsonBySource(text);
  count(bySource);
  return jsonDifference(parseExactJsonByScanning(text), bySource) ?? jsonDifference(parseExactJson(text), bySource);
});
console.log(JSON.stringify({ readsSource: readsJsonSource(), bigints, differences }));
`,
        JSON.stringify(texts),
      ) as { readsSource: boolean; bigints: number; differences: (string | null)[] };
      expect(result.readsSource).toBe(true);
      expect(result.bigints).toBeGreaterThan(50);
      expect(result.differences.filter((difference) => difference !== null)).toStrictEqual([]);
      expect(result.differences).toHaveLength(texts.length);
    },
    timeoutFor(1, 10_000),
  );

  it.each(RUNTIMES)(
    "%s reads 100,000 levels exactly, with no RangeError",
    (_, command, args) => {
      const result = runIn(
        command,
        args,
        `
import { parseExactJson, readsJsonSource } from "./src/store/exact-json.ts";
const depth = 100_000;
let value = parseExactJson("[".repeat(depth) + "-12345678901234567890" + "]".repeat(depth));
for (let level = 0; level < depth; level++) value = value[0];
console.log(JSON.stringify({ readsSource: readsJsonSource(), bottom: String(value), type: typeof value }));
`,
      );
      expect(result).toStrictEqual({
        readsSource: true,
        bottom: "-12345678901234567890",
        type: "bigint",
      });
    },
    timeoutFor(1, 10_000),
  );

  it("readsJsonSource tells Node 20 (no source text access, so the scanner) from Node 21+", () => {
    expect(readsJsonSource()).toBe(Number(process.versions.node.split(".")[0]) >= 21);
  });
});
