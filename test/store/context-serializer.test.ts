import Big from "big.js";
import { describe, expect, it } from "vitest";
import { ContextSerializationError, ValidationError } from "../../src/domain/errors.js";
import { deserializeContext, serializeContext } from "../../src/store/context-serializer.js";

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
    ["a bigint", { count: 10n }, "context.count", /bigint/],
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
