import { execFileSync } from "node:child_process";
import Big from "big.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors/validation-error.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import {
  deserializeContext,
  MAX_CONTEXT_DEPTH,
  serializeContext,
} from "../../src/store/context-serializer.js";
import { ContextSerializationError } from "../../src/store/errors.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { checkProperty } from "../properties/support.js";
import { negotiation } from "../support/negotiations.js";
import { thrownBy } from "../support/thrown-by.js";

/** The refusal thrown by serializeContext, or a failure when nothing was thrown. */
function refusal(context: unknown): ContextSerializationError {
  try {
    serializeContext(context as Record<string, unknown>);
  } catch (error) {
    expect(error).toBeInstanceOf(ContextSerializationError);
    return error as ContextSerializationError;
  }
  throw new Error("expected a ContextSerializationError, nothing was thrown");
}

function readRefusal(json: unknown): ValidationError {
  try {
    deserializeContext(json as string);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("expected a ValidationError, nothing was thrown");
}

class Offer {
  amount = "25";
}

describe("serializeContext", () => {
  it("writes plain data unchanged", () => {
    const context = {
      name: "Ana",
      round: 2,
      ratio: -0.5,
      active: true,
      note: null,
      tags: ["a", "b"],
      nested: { deeper: { list: [[1, [2]], []] } },
    };
    expect(JSON.parse(serializeContext(context))).toStrictEqual(context);
  });

  it("writes a Big as an exact decimal string", () => {
    expect(serializeContext({ next_cpm: new Big("25.50") })).toBe('{"next_cpm":"25.5"}');
  });

  it("writes Bigs in plain notation, whatever copy of big.js made them", () => {
    const Other = Big();
    Other.PE = 0;
    const json = serializeContext({
      tiny: new Big("1e-7"),
      large: new Other("1000"),
      zero: new Big("0E-7"),
    });
    expect(json).toBe('{"tiny":"0.0000001","large":"1000","zero":"0"}');
  });

  it("writes a Date as its ISO string, also inside arrays", () => {
    const sent = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(serializeContext({ sent_at: sent, log: [sent] })).toBe(
      '{"sent_at":"2024-01-02T03:04:05.000Z","log":["2024-01-02T03:04:05.000Z"]}',
    );
  });

  it("walks what toJSON returns, and passes it the key", () => {
    const keys: string[] = [];
    class Quote {
      toJSON(key: string) {
        keys.push(key);
        return { amount: new Big("3.50"), at: new Date(0) };
      }
    }
    expect(serializeContext({ quote: new Quote(), list: [new Quote()] })).toBe(
      '{"quote":{"amount":"3.5","at":"1970-01-01T00:00:00.000Z"},"list":[{"amount":"3.5","at":"1970-01-01T00:00:00.000Z"}]}',
    );
    expect(keys).toStrictEqual(["quote", "0"]);
  });

  it("refuses what toJSON returns when JSON would change it", () => {
    const odd = { toJSON: () => ({ amount: Number.NaN }) };
    expect(refusal({ offer: odd }).keyPath).toBe("context.offer.amount");
  });

  it("allows the same object in two places", () => {
    const shared = { cpm: new Big("20") };
    expect(serializeContext({ a: shared, b: [shared, shared] })).toBe(
      '{"a":{"cpm":"20"},"b":[{"cpm":"20"},{"cpm":"20"}]}',
    );
  });

  it("accepts objects without a prototype and keeps a __proto__ key as data", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.x = 1;
    const context = deserializeContext('{"__proto__":{"polluted":true},"bare":null}');
    context.bare = bare;
    expect(serializeContext(context)).toBe('{"__proto__":{"polluted":true},"bare":{"x":1}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each<[string, unknown, string, RegExp]>([
    ["NaN", { offers: [{}, {}, { amount: Number.NaN }] }, "context.offers[2].amount", /NaN/],
    ["Infinity", { cpm: Number.POSITIVE_INFINITY }, "context.cpm", /Infinity/],
    ["-Infinity", { list: [Number.NEGATIVE_INFINITY] }, "context.list[0]", /-Infinity/],
    ["an undefined property", { note: undefined }, "context.note", /undefined/],
    ["an undefined array element", { list: [1, undefined] }, "context.list[1]", /undefined/],
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested.
    ["an array hole", { list: [1, , 3] }, "context.list[1]", /undefined/],
    ["a function", { callback: () => 1 }, "context.callback", /function/],
    ["a symbol value", { tag: Symbol("t") }, "context.tag", /symbol/],
    ["a symbol key", { ok: 1, [Symbol("secret")]: 1 }, "context[Symbol(secret)]", /symbol key/],
    ["a Map", { m: new Map() }, "context.m", /Map/],
    ["a Set", { s: new Set([1]) }, "context.s", /Set/],
    ["a WeakMap", { w: new WeakMap() }, "context.w", /WeakMap/],
    ["a WeakSet", { w: new WeakSet() }, "context.w", /WeakSet/],
    ["a class instance", { offer: new Offer() }, "context.offer", /class Offer/],
    ["a RegExp", { pattern: /x/ }, "context.pattern", /class RegExp/],
    ["an invalid Date", { at: new Date(Number.NaN) }, "context.at", /invalid Date/],
    ["a key with a space", { "first name": Number.NaN }, 'context["first name"]', /NaN/],
    ["a numeric key", { "0": undefined }, 'context["0"]', /undefined/],
    ["nested odd keys", { a: { "x-y": [[Number.NaN]] } }, 'context.a["x-y"][0][0]', /NaN/],
    [
      "a throwing toJSON",
      {
        bad: {
          toJSON: () => {
            throw new Error("boom");
          },
        },
      },
      "context.bad",
      /toJSON\(\) threw: boom/,
    ],
  ])("refuses %s, naming its key path", (_, context, keyPath, problem) => {
    const error = refusal(context);
    expect(error.keyPath).toBe(keyPath);
    expect(error.code).toBe("CONTEXT_NOT_SERIALIZABLE");
    expect(error.message.startsWith(`Cannot serialize ${keyPath}: `)).toBe(true);
    expect(error.message).toMatch(problem);
  });

  it("refuses a cycle, naming where it closes", () => {
    const context: Record<string, unknown> = { a: { b: {} } };
    ((context.a as Record<string, unknown>).b as Record<string, unknown>).c = context.a;
    const error = refusal(context);
    expect(error.keyPath).toBe("context.a.b.c");
    expect(error.message).toMatch(/circular reference/);
  });

  it("refuses a cycle through an array and one back to the root", () => {
    const list: unknown[] = [1];
    list.push({ back: list });
    expect(refusal({ list }).keyPath).toBe("context.list[1].back");
    const root: Record<string, unknown> = {};
    root.self = root;
    expect(refusal(root).keyPath).toBe("context.self");
  });

  it("refuses a toJSON that returns a wrapper around its own object", () => {
    const looping = {
      toJSON() {
        return { inner: this };
      },
    };
    expect(refusal({ looping }).keyPath).toBe("context.looping.inner");
  });

  it.each<[string, unknown]>([
    ["an array", []],
    ["null", null],
    ["a string", "{}"],
    ["a class instance", new Offer()],
    ["a Map", new Map()],
  ])("refuses %s as the context itself", (_, context) => {
    const error = refusal(context);
    expect(error.keyPath).toBe("context");
    expect(error.message).toMatch(/plain object/);
  });
});

describe("deserializeContext", () => {
  it("returns decimals as the strings they were written as", () => {
    const context = deserializeContext('{"next_cpm": "25.50", "round": 2, "tags": ["a"]}');
    expect(context).toStrictEqual({ next_cpm: "25.50", round: 2, tags: ["a"] });
  });

  it("reads back what serializeContext wrote, Big as a string", () => {
    const json = serializeContext({ cpm: new Big("30.125"), names: { first: "Ana" } });
    expect(deserializeContext(json)).toStrictEqual({ cpm: "30.125", names: { first: "Ana" } });
  });

  it("refuses text that is not JSON, naming context_json", () => {
    const error = readRefusal("{not json");
    expect(error.path).toBe("context_json");
    expect(error.message).toMatch(/not valid JSON/);
    expect(readRefusal('{"rate": NaN}').path).toBe("context_json");
  });

  it.each([
    ["an array", "[]"],
    ["null", "null"],
    ["a number", "3"],
    ["a string", '"{}"'],
  ])("refuses JSON that is %s, naming context_json", (kind, json) => {
    const error = readRefusal(json);
    expect(error.path).toBe("context_json");
    expect(error.message).toContain(`expected a JSON object, got ${kind}`);
  });

  it("refuses a value that is not text", () => {
    expect(readRefusal(undefined).path).toBe("context_json");
  });
});

/** Integers beyond 2^53, as the Python service writes them, in the text Python's `json.dumps` writes. */
const HUGE_INTEGERS_TEXT =
  '{"n": 9223372036854775807, "m": -9223372036854775808, "big": 123456789012345678901234567890, "list": [1, 9007199254740993]}';
/** The same context as the package writes it: compact, every digit kept. */
const HUGE_INTEGERS_COMPACT =
  '{"n":9223372036854775807,"m":-9223372036854775808,"big":123456789012345678901234567890,"list":[1,9007199254740993]}';
const HUGE_INTEGERS = {
  n: 9223372036854775807n,
  m: -9223372036854775808n,
  big: 123456789012345678901234567890n,
  list: [1, 9007199254740993n],
};

function python(script: string, input: string): string {
  return execFileSync("python3", ["-c", script], { input }).toString().trim();
}

describe("context integers beyond 2^53", () => {
  it("come back from deserializeContext as exact bigints, and serializeContext writes the same digits", () => {
    const back = deserializeContext(HUGE_INTEGERS_TEXT);
    expect(back).toStrictEqual(HUGE_INTEGERS);
    expect(serializeContext(back)).toBe(HUGE_INTEGERS_COMPACT);
    expect(deserializeContext(HUGE_INTEGERS_COMPACT)).toStrictEqual(HUGE_INTEGERS);
  });

  it("are bigints exactly outside the safe range, at any depth", () => {
    const back = deserializeContext(
      `{"max": ${Number.MAX_SAFE_INTEGER}, "min": ${Number.MIN_SAFE_INTEGER},` +
        ' "above": 9007199254740992, "below": -9007199254740992,' +
        ' "deep": {"a": [[{"b": [0, 18446744073709551616]}]]}, "plain": 42}',
    );
    expect(back).toStrictEqual({
      max: Number.MAX_SAFE_INTEGER,
      min: Number.MIN_SAFE_INTEGER,
      above: 9007199254740992n,
      below: -9007199254740992n,
      deep: { a: [[{ b: [0, 18446744073709551616n] }]] },
      plain: 42,
    });
  });

  it("leave what is not an integer literal as JSON.parse reads it", () => {
    const text =
      '{"fraction": 12345678901234567890.5, "exponent": 1E20, "overflow": 1e400,' +
      ' "digits": 0.12345678901234567890, "minus_zero": -0, "id": "12345678901234567890"}';
    const back = deserializeContext(text);
    expect(back).toStrictEqual(JSON.parse(text));
    expect(back.fraction).toBe(1.2345678901234567e19);
    expect(back.overflow).toBe(Number.POSITIVE_INFINITY);
    expect(Object.is(back.minus_zero, -0)).toBe(true);
    expect(back.id).toBe("12345678901234567890");
  });

  it("keep a repeated key and a __proto__ key as JSON.parse does", () => {
    const back = deserializeContext(
      '{"a": 12345678901234567890, "__proto__": 12345678901234567891, "a": 1, "b": [99999999999999999999]}',
    );
    expect(Object.keys(back)).toStrictEqual(["a", "__proto__", "b"]);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back, "__proto__")?.value).toBe(12345678901234567891n);
    expect(back.a).toBe(1);
    expect(back.b).toStrictEqual([99999999999999999999n]);
  });

  it("serializeContext writes a bigint as the JSON integer it is, also inside the safe range", () => {
    const json = serializeContext({
      small: 10n,
      negative: -3n,
      zero: 0n,
      cpm: new Big("25.50"),
      nested: { list: [2n ** 64n, { at: new Date(0) }] },
      viaToJson: { toJSON: () => -(10n ** 30n) },
    });
    expect(json).toBe(
      '{"small":10,"negative":-3,"zero":0,"cpm":"25.5","nested":{"list":[18446744073709551616,{"at":"1970-01-01T00:00:00.000Z"}]},"viaToJson":-1000000000000000000000000000000}',
    );
    expect(deserializeContext(json)).toStrictEqual({
      small: 10,
      negative: -3,
      zero: 0,
      cpm: "25.5",
      nested: { list: [18446744073709551616n, { at: "1970-01-01T00:00:00.000Z" }] },
      viaToJson: -(10n ** 30n),
    });
  });

  it("serializeContext refuses a bigint longer than Python's json reads (4,300 digits), naming its key path", () => {
    const longest = 10n ** 4300n - 1n;
    expect(serializeContext({ n: longest, m: -longest })).toBe(`{"n":${longest},"m":-${longest}}`);
    for (const tooLong of [10n ** 4300n, -(10n ** 4300n)]) {
      const error = refusal({ offers: [{ id: tooLong }] });
      expect(error.keyPath).toBe("context.offers[0].id");
      expect(error.message).toMatch(/4301 digits .*4300 digits/);
    }
  });

  it("survive a save and restore through the store, and a save of what was restored", async () => {
    const store = await openNegotiationStore({ persistence: memoryPersistence() });
    try {
      const context = deserializeContext(HUGE_INTEGERS_TEXT);
      await store.save(negotiation("huge", ["send_offer"], { context }));
      expect((await store.loadActive())[0]?.context_json).toBe(HUGE_INTEGERS_COMPACT);
      const [restored] = await store.restoreActive();
      expect(restored?.context).toStrictEqual(HUGE_INTEGERS);

      await store.save(negotiation("huge", ["send_offer"], { context: restored?.context ?? {} }));
      expect((await store.loadActive())[0]?.context_json).toBe(HUGE_INTEGERS_COMPACT);
      expect((await store.restoreActive())[0]?.context).toStrictEqual(HUGE_INTEGERS);
    } finally {
      await store.close();
    }
  });

  it("written by Python's json, read and written back by the package, are the same ints to Python", () => {
    // Python builds the context, writes it, and later compares what the package wrote with
    // the same context built again: nothing here knows the digits.
    const build = `
def context():
    return {
        "n": 2**63 - 1,
        "m": -(2**63),
        "big": 10**40 + 7,
        "factorial": __import__("math").factorial(60),
        "edge": [2**53 - 1, 2**53, 2**53 + 1, -(2**53) + 1, -(2**53) - 1],
        "nested": {"deep": [[{"id": 3**80}]], "cpm": "25.50", "ratio": 0.5, "name": "Ana"},
    }
`;
    const written = python(
      `${build}
import json
print(json.dumps(context()))`,
      "",
    );
    const read = deserializeContext(written);
    expect(typeof read.n).toBe("bigint");
    expect(typeof read.big).toBe("bigint");
    expect((read.edge as unknown[]).map((value) => typeof value)).toStrictEqual([
      "number",
      "bigint",
      "bigint",
      "number",
      "bigint",
    ]);
    const rewritten = serializeContext(read);
    const verdict = python(
      `${build}
import json, sys
text = sys.stdin.read()
back = json.loads(text)
same = back == context() and json.dumps(back, separators=(",", ":"), ensure_ascii=False) == text
print("same" if same else f"differs: {back!r}")
`,
      rewritten,
    );
    expect(verdict).toBe("same");
  });

  it("written by the package from bigints, are read by Python's json as the same ints", () => {
    const context = { n: 2n ** 100n, m: -(3n ** 70n), list: [1n, 2n ** 53n + 1n] };
    const verdict = python(
      `
import json, sys
back = json.loads(sys.stdin.read())
expected = {"n": 2**100, "m": -(3**70), "list": [1, 2**53 + 1]}
print("same" if back == expected and all(type(v) is int for v in (back["n"], back["m"], *back["list"])) else f"differs: {back!r}")
`,
      serializeContext(context),
    );
    expect(verdict).toBe("same");
  });
});

/** A context `depth` levels deep: `{"a": {"a": ... {}}}`, the context itself level 1. */
function nestedObjects(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

/** `{"list": [[...[]]]}`: the context is level 1, then `depth - 1` arrays. */
function nestedArrays(depth: number): Record<string, unknown> {
  let value: unknown[] = [];
  for (let level = 2; level < depth; level++) value = [value];
  return { list: value };
}

describe("context nesting depth", () => {
  it("is at most 1,000 levels, the context itself being level 1", () => {
    expect(MAX_CONTEXT_DEPTH).toBe(1000);
    expect(serializeContext(nestedObjects(1000))).toBe(
      `${'{"a":'.repeat(999)}{}${"}".repeat(999)}`,
    );
    expect(serializeContext(nestedArrays(1000))).toBe(
      `{"list":${"[".repeat(999)}${"]".repeat(999)}}`,
    );
  });

  it("refuses level 1001, naming the key path of the array or object there", () => {
    const error = refusal(nestedObjects(1001));
    expect(error.keyPath).toBe(`context${".a".repeat(1000)}`);
    expect(error.message).toContain("is at level 1001");
    expect(error.message).toContain("at most 1000 levels");
    expect(refusal(nestedArrays(1001)).keyPath).toBe(`context.list${"[0]".repeat(999)}`);
    // Scalars add no level; what toJSON returns takes the level of what it replaces.
    expect(() => serializeContext({ ...nestedObjects(1000), n: 1 })).not.toThrow();
    const replaced = { toJSON: () => ({ inner: {} }) };
    expect(() => serializeContext({ x: replaced, ...nestedArrays(1000) })).not.toThrow();
    let deep: unknown = replaced;
    for (let level = 3; level < 1000; level++) deep = [deep];
    expect(() => serializeContext({ deep })).not.toThrow();
    expect(refusal({ deep: [deep] }).keyPath).toBe(`context.deep${"[0]".repeat(998)}.inner`);
  });

  it("refuses a context nested thousands of levels deep with its own error, not a RangeError", () => {
    const error = refusal(nestedObjects(100_000));
    expect(error.keyPath).toBe(`context${".a".repeat(1000)}`);
  });

  it("deepest accepted context is read by python3's json.loads, given room for 1,000 levels", () => {
    // Python's json takes one step of the recursion limit (1,000 by default) per level, less
    // the frames already on the stack: DESIGN's 1,000 levels need a little more room.
    const written = serializeContext({
      ...nestedArrays(MAX_CONTEXT_DEPTH),
      n: 2n ** 64n,
      deep: nestedObjects(MAX_CONTEXT_DEPTH - 1),
    });
    const read = python(
      `import json, sys
def depth(value):
    deepest, pending = 0, [(value, 1)]
    while pending:
        value, level = pending.pop()
        if isinstance(value, (list, dict)):
            deepest = max(deepest, level)
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, level + 1) for child in children)
    return deepest
sys.setrecursionlimit(1100)
value = json.loads(sys.stdin.read())
print(depth(value), value["n"])`,
      written,
    );
    expect(read).toBe(`${MAX_CONTEXT_DEPTH} ${2n ** 64n}`);
  });

  it("refuses a context whose JSON text would be longer than a string holds, with its own error", () => {
    // One string shared four times: the text would be 2^29 characters and more.
    const part = "x".repeat(2 ** 27);
    const error = refusal({ a: part, b: part, c: part, d: part });
    expect(error.keyPath).toBe("context");
    expect(error.message).toContain("its JSON text cannot be built (Invalid string length)");
  });
});

describe("deserializeContext on deep text", () => {
  it("reads 1,000 levels back", () => {
    const text = serializeContext(nestedObjects(1000));
    expect(deserializeContext(text)).toStrictEqual(nestedObjects(1000));
  });

  it.each([
    ["objects", `${'{"a":'.repeat(2_499)}{}${"}".repeat(2_499)}`, `context${".a".repeat(1000)}`],
    [
      "arrays around an integer beyond 2^53",
      `{"list":${"[".repeat(2_499)}123456781001234567890${"]".repeat(2_499)}}`,
      `context.list${"[0]".repeat(999)}`,
    ],
  ])(
    "refuses 2,500 levels of %s with a ValidationError at context_json naming the key path, not a RangeError",
    (_, text, keyPath) => {
      const error = readRefusal(text);
      expect(error.path).toBe("context_json");
      expect(error.message).toBe(
        `context_json: nests deeper than 1000 levels (Python's json reads no deeper): ${keyPath} is at level 1001`,
      );
    },
  );

  it("refuses 100,000 levels the same way", () => {
    const text = `${"[".repeat(99_999)}${"]".repeat(99_999)}`;
    expect(readRefusal(`{"x":${text}}`).message).toContain(
      `context.x${"[0]".repeat(999)} is at level 1001`,
    );
  });
});

describe("serializeContext's two walks", () => {
  // Plain data is copied without key paths; anything else (a Date here) takes the full walk
  // from the start. Both must write the same text.
  it("write the same text for plain data as the full walk does", async () => {
    await checkProperty(
      "plain data: the quick copy writes what the full walk writes",
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })), (data) => {
        const plain = serializeContext(data);
        expect(plain).toBe(JSON.stringify(data));
        const full = serializeContext({ ...data, at: new Date(0) });
        expect(full).toBe(serializeContext({ ...data, at: "1970-01-01T00:00:00.000Z" }));
      }),
      200,
    );
  });

  it("refuses below the depth the quick copy stops at, naming the key path", () => {
    let deep: Record<string, unknown> = { bad: Number.NaN };
    for (let level = 0; level < 40; level++) deep = { next: deep };
    const error = thrownBy(() => serializeContext(deep));
    expect(error).toBeInstanceOf(ContextSerializationError);
    expect((error as ContextSerializationError).keyPath).toBe(`context${".next".repeat(40)}.bad`);
    expect(serializeContext({ a: [new Big("1E+3"), { b: new Big("-0.5") }] })).toBe(
      '{"a":["1000",{"b":"-0.5"}]}',
    );
  });
});
