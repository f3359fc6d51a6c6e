/**
 * Property: a JSON-safe context (unicode, lone surrogates, odd keys such as "__proto__",
 * "" or "constructor", any finite number, bigints of any size Python reads) round-trips
 * through serializeContext and deserializeContext, and through a store, deep-equal, with
 * every integer JavaScript cannot hold exactly as an exact bigint; what JSON would silently
 * change or drop is refused with ContextSerializationError naming its key path, and a save
 * that carries it writes nothing.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { NegotiationStateMachine } from "../../src/domain/negotiation-state-machine.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import { deserializeContext, serializeContext } from "../../src/store/context-serializer.js";
import { ContextSerializationError } from "../../src/store/errors.js";
import type { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { negotiation } from "../support/negotiations.js";
import { checkProperty, jsonDifference, timeoutFor } from "./support.js";

// A default that grows with FC_RUNS, for the tests that do not set their own.
vi.setConfig({ testTimeout: timeoutFor(1000, 20) });

const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((code) => String.fromCharCode(code));

/** Text of every kind: any code point, lone surrogates, NUL and other controls. */
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: loneSurrogate, maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.constantFrom("\0", "\n", '"', "\\", "\u2028", "\u{1F338}", "é", "\uFEFF"),
      maxLength: 6,
    }),
  },
);

/** Keys that break naive code: prototype names, "", quotes, dots, brackets, numbers. */
const ODD_KEYS = [
  "__proto__",
  "",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "toJSON",
  'a"b',
  "a.b",
  "a b",
  "[0]",
  "0",
  "01",
  "-1",
  "4294967295",
  "1e3",
  "s",
  "e",
  "c",
  "\0",
  "$ref",
  "\\",
  "\u{1F338}",
] as const;
const key = fc.oneof(
  { weight: 2, arbitrary: text },
  { weight: 1, arbitrary: fc.constantFrom(...ODD_KEYS) },
);

/** Every finite number but -0 (JSON writes it as 0: see the test of its own). */
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
  fc.integer(),
  fc.constantFrom(1e21, 1e-7, 5e-324, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER + 2, 0.1),
);

/** Plain data with exactly the fields of a Big: data, not money. */
const bigShaped = fc.record(
  {
    s: fc.constantFrom(1, -1),
    e: fc.integer({ min: -5, max: 5 }),
    c: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 4 }),
  },
  { noNullPrototype: true },
);

/** An object with own data properties only, "__proto__" included as a plain key. */
function objectOf(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  return Object.fromEntries(entries);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const LONGEST = 10n ** 4300n - 1n;

/** Bigints inside and outside the safe range, around its edges, up to 4,300 digits. */
const bigInteger = fc.oneof(
  fc.bigInt({ min: -MAX_SAFE, max: MAX_SAFE }),
  fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
  fc.bigInt({ min: MAX_SAFE - 3n, max: MAX_SAFE + 3n }),
  fc.bigInt({ min: -MAX_SAFE - 3n, max: -MAX_SAFE + 3n }),
  fc.constantFrom(2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n, 0n, -1n, LONGEST, -LONGEST),
  fc.bigInt({ min: -LONGEST, max: LONGEST }),
);

/** JSON-safe values; with `withBigInts`, bigints among them (JSON.stringify refuses those). */
function jsonValues(withBigInts: boolean): fc.Arbitrary<unknown> {
  return fc.letrec<{ json: unknown; array: unknown[]; object: Record<string, unknown> }>((tie) => ({
    json: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      text,
      withBigInts ? fc.oneof(number, bigInteger) : number,
      fc.boolean(),
      fc.constant(null),
      bigShaped,
      tie("array"),
      tie("object"),
    ),
    array: fc.array(tie("json"), { maxLength: 5 }),
    object: fc.array(fc.tuple(key, tie("json")), { maxLength: 6 }).map(objectOf),
  })).json;
}

const json = jsonValues(false);
const context = fc.array(fc.tuple(key, json), { maxLength: 8 }).map(objectOf);
const contextWithBigInts = fc
  .array(fc.tuple(key, jsonValues(true)), { maxLength: 8 })
  .map(objectOf);

/**
 * What deserializeContext must give for a value serializeContext wrote: an integer outside
 * the safe range as the exact bigint of the digits written (a number such as 2 ** 60 is
 * written as JSON.stringify writes it), a bigint inside it as a number, the rest unchanged.
 */
function asRead(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
  }
  if (typeof value === "number") {
    const written = JSON.stringify(value);
    return /^-?\d+$/.test(written) && !Number.isSafeInteger(value) ? BigInt(written) : value;
  }
  if (Array.isArray(value)) return value.map(asRead);
  if (typeof value === "object" && value !== null) {
    return objectOf(Object.entries(value).map(([name, child]) => [name, asRead(child)] as const));
  }
  return value;
}

/** Every bigint of a value with the number it stands for: what JSON.parse reads from the text. */
function asRounded(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(asRounded);
  if (typeof value === "object" && value !== null) {
    return objectOf(
      Object.entries(value).map(([name, child]) => [name, asRounded(child)] as const),
    );
  }
  return value;
}

/** The key path the serializer names (`context.offers[2].amount`, `context["first name"]`). */
function pathStep(step: string | number): string {
  if (typeof step === "number") return `[${step}]`;
  return /^[A-Za-z_$][\w$]*$/.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
}

let store: NegotiationStateStore;

beforeAll(async () => {
  store = await openNegotiationStore({ persistence: memoryPersistence() });
});

afterAll(() => store.close());

describe("JSON-safe contexts", () => {
  it("serializeContext writes what JSON.stringify writes, and deserializeContext gives it back deep-equal", async () => {
    await checkProperty(
      "context round trip (serializeContext/deserializeContext)",
      fc.property(context, (value) => {
        const written = serializeContext(value);
        expect(written).toBe(JSON.stringify(value));
        const back = deserializeContext(written);
        expect(jsonDifference(back, asRead(value))).toBeNull();
        expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      }),
      1000,
    );
  });

  it("objects without a prototype, from another realm's shape, serialize the same", async () => {
    await checkProperty(
      "context round trip (null-prototype objects)",
      fc.property(context, (value) => {
        const bare = Object.assign(Object.create(null) as Record<string, unknown>, value);
        expect(serializeContext(bare)).toBe(JSON.stringify(value));
        expect(
          jsonDifference(deserializeContext(serializeContext(bare)), asRead(value)),
        ).toBeNull();
      }),
      300,
    );
  });

  it(
    "a context saved in a store comes back deep-equal from restoreActive",
    async () => {
      await checkProperty(
        "context round trip (store save -> restoreActive, memory)",
        fc.asyncProperty(context, async (value) => {
          await store.save(negotiation("context", ["send_offer"], { context: value }));
          const [row] = await store.loadActive();
          expect(row?.context_json).toBe(JSON.stringify(value));
          const [restored] = await store.restoreActive();
          expect(jsonDifference(restored?.context, asRead(value))).toBeNull();
        }),
        300,
      );
    },
    timeoutFor(300, 10),
  );

  it("bigints are written as their digits and come back exact where the integer is unsafe, numbers where it is safe", async () => {
    await checkProperty(
      "context round trip with bigints (serializeContext/deserializeContext)",
      fc.property(contextWithBigInts, (value) => {
        const written = serializeContext(value);
        // Valid JSON, holding the numbers of the context where JSON.parse can hold them.
        expect(jsonDifference(JSON.parse(written), asRounded(value))).toBeNull();
        const back = deserializeContext(written);
        expect(jsonDifference(back, asRead(value))).toBeNull();
        // Read and written back, the text keeps every digit.
        expect(serializeContext(back)).toBe(written);
      }),
      1000,
    );
  });

  it(
    "a context with bigints saved in a store comes back exact, and saving what came back keeps the row's text",
    async () => {
      await checkProperty(
        "context round trip with bigints (store save -> restoreActive -> save, memory)",
        fc.asyncProperty(contextWithBigInts, async (value) => {
          await store.save(negotiation("context", ["send_offer"], { context: value }));
          const [row] = await store.loadActive();
          expect(row?.context_json).toBe(serializeContext(value));
          const [restored] = await store.restoreActive();
          expect(jsonDifference(restored?.context, asRead(value))).toBeNull();
          await store.save(
            negotiation("context", ["send_offer"], { context: restored?.context ?? {} }),
          );
          expect((await store.loadActive())[0]?.context_json).toBe(row?.context_json);
        }),
        300,
      );
    },
    timeoutFor(300, 10),
  );

  it("-0 is written as 0, as JSON writes it (the one finite number JSON changes)", () => {
    const back = deserializeContext(serializeContext({ a: -0, b: [-0] }));
    expect(back).toEqual({ a: 0, b: [0] });
    expect(Object.is(back.a, 0)).toBe(true);
  });
});

/** A value JSON would change or drop, and how the serializer must name it. */
interface Poison {
  readonly name: string;
  /** The value to put at the path; `ancestors` are the containers above it, root first. */
  make(ancestors: readonly object[]): unknown;
  /** Set for a symbol key: the poison is a key of the container, not a value. */
  readonly symbolKey?: true;
}

class Point {
  x = 1;
}

const POISONS: readonly Poison[] = [
  { name: "NaN", make: () => Number.NaN },
  { name: "Infinity", make: () => Number.POSITIVE_INFINITY },
  { name: "-Infinity", make: () => Number.NEGATIVE_INFINITY },
  { name: "undefined", make: () => undefined },
  { name: "a function", make: () => () => 1 },
  { name: "a symbol", make: () => Symbol("s") },
  { name: "a Map", make: () => new Map([[1, 2]]) },
  { name: "a Set", make: () => new Set([1]) },
  { name: "a WeakMap", make: () => new WeakMap() },
  { name: "a WeakSet", make: () => new WeakSet() },
  { name: "an invalid Date", make: () => new Date(Number.NaN) },
  { name: "a class instance", make: () => new Point() },
  { name: "a toJSON that returns NaN", make: () => ({ toJSON: () => Number.NaN }) },
  { name: "a toJSON that returns undefined", make: () => ({ toJSON: () => undefined }) },
  {
    name: "a toJSON that throws",
    make: () => ({
      toJSON: () => {
        throw new Error("no");
      },
    }),
  },
  { name: "a cycle to the root", make: (ancestors) => ancestors[0] },
  { name: "a cycle to the parent", make: (ancestors) => ancestors.at(-1) },
  { name: "a symbol key", make: () => 1, symbolKey: true },
];

type Step =
  | { readonly kind: "key"; readonly key: string; readonly siblings: Record<string, unknown> }
  | { readonly kind: "index"; readonly filler: readonly unknown[]; readonly at: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record(
    {
      kind: fc.constant("key" as const),
      key,
      siblings: fc.array(fc.tuple(key, json), { maxLength: 3 }).map(objectOf),
    },
    { noNullPrototype: true },
  ),
  fc.record(
    {
      kind: fc.constant("index" as const),
      filler: fc.array(json, { maxLength: 3 }),
      at: fc.nat({ max: 3 }),
    },
    { noNullPrototype: true },
  ),
);

/**
 * Builds a context whose only refused value sits at the end of `steps` (the first step is
 * a key of the root), and the key path the error must name.
 */
function poisoned(
  rootSiblings: Record<string, unknown>,
  steps: readonly Step[],
  poison: Poison,
): { context: Record<string, unknown>; keyPath: string } {
  const root = { ...rootSiblings };
  const ancestors: object[] = [root];
  let container: Record<string, unknown> | unknown[] = root;
  let keyPath = "context";
  const place = (where: Step, value: unknown): void => {
    if (where.kind === "key") {
      Object.defineProperty(container, where.key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      keyPath += pathStep(where.key);
    } else {
      const list = container as unknown[];
      const at = Math.min(where.at, list.length);
      list.splice(at, 0, value);
      keyPath += pathStep(at);
    }
  };
  steps.forEach((where, index) => {
    // The first step hangs off the root object, so it must be a key.
    let current: Step =
      index === 0 && where.kind === "index" ? { kind: "key", key: "list", siblings: {} } : where;
    const next = steps[index + 1];
    if (next === undefined) {
      // A function under "toJSON" is not refused data: it makes its object a toJSON value.
      if (
        current.kind === "key" &&
        current.key === "toJSON" &&
        typeof poison.make([]) === "function"
      ) {
        current = { ...current, key: "toJSON_" };
      }
      if (poison.symbolKey) {
        const holder = { ...(current.kind === "key" ? current.siblings : {}) };
        place(current, holder);
        (holder as Record<symbol, unknown>)[Symbol("tag")] = 1;
        keyPath += "[Symbol(tag)]";
      } else {
        place(current, poison.make(ancestors));
      }
      return;
    }
    const child: Record<string, unknown> | unknown[] =
      next.kind === "key" ? { ...next.siblings } : [...next.filler];
    place(current, child);
    container = child;
    ancestors.push(child);
  });
  return { context: root, keyPath };
}

describe("values JSON would change or drop", () => {
  const poisonCase = fc.record({
    rootSiblings: fc.array(fc.tuple(key, json), { maxLength: 3 }).map(objectOf),
    steps: fc.array(step, { minLength: 1, maxLength: 5 }),
    poison: fc.constantFrom(...POISONS),
  });

  it(
    "are refused with ContextSerializationError naming the key path, and a save carrying one writes nothing",
    async () => {
      await store.save(negotiation("context", ["send_offer"], { context: { before: true } }));
      const before = await store.loadActive();
      await checkProperty(
        "refused contexts name the key path (serializer and store)",
        fc.asyncProperty(poisonCase, async ({ rootSiblings, steps, poison }) => {
          const { context: value, keyPath } = poisoned(rootSiblings, steps, poison);
          let error: unknown;
          try {
            serializeContext(value);
          } catch (caught) {
            error = caught;
          }
          expect(error, poison.name).toBeInstanceOf(ContextSerializationError);
          expect((error as ContextSerializationError).keyPath).toBe(keyPath);
          expect((error as Error).message).toContain(keyPath);

          const save = store.save(negotiation("context", ["send_offer"], { context: value }));
          await expect(save).rejects.toBeInstanceOf(ContextSerializationError);
          await expect(save).rejects.toMatchObject({ keyPath });
          expect(await store.loadActive()).toEqual(before);
        }),
        500,
      );
    },
    timeoutFor(500, 5),
  );

  it("a context that is not a plain object is refused at the path `context`", async () => {
    const notPlain = fc.oneof(
      fc.array(json, { maxLength: 3 }),
      text,
      number,
      fc.constantFrom(
        null,
        undefined,
        true,
        new Map(),
        new Set(),
        new Point(),
        new Date(0),
        () => 1,
      ),
    );
    await checkProperty(
      "non-object contexts refused at `context`",
      fc.property(notPlain, (value) => {
        let error: unknown;
        try {
          serializeContext(value as unknown as Record<string, unknown>);
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(ContextSerializationError);
        expect((error as ContextSerializationError).keyPath).toBe("context");
      }),
      300,
    );
  });

  it("values with toJSON are written as JSON.stringify writes them, once", async () => {
    const withToJson = fc.oneof(
      fc.date({ noInvalidDate: true }),
      json.map((inner) => ({ toJSON: () => inner })),
    );
    await checkProperty(
      "toJSON values written as JSON.stringify writes them",
      fc.property(fc.array(fc.tuple(key, withToJson), { maxLength: 4 }).map(objectOf), (value) => {
        expect(serializeContext(value)).toBe(JSON.stringify(value));
      }),
      300,
    );
  });

  it("refuses a context whose own toJSON returns something else than an object (regression: context_json held 1, and the row could not be restored)", async () => {
    for (const [returned, named] of [
      [1, "a number"],
      ["x", "a string"],
      [null, "null"],
      [[1], "an array"],
    ] as const) {
      const value = { toJSON: () => returned };
      expect(() => serializeContext(value)).toThrow(
        new ContextSerializationError(
          "context",
          `its toJSON() returned ${named}; the context must be written as a JSON object`,
        ),
      );
      await expect(
        store.save(negotiation("context", ["send_offer"], { context: value })),
      ).rejects.toMatchObject({
        keyPath: "context",
      });
    }
    // One that returns an object is written as that object, as JSON writes it.
    const wrapped = { toJSON: () => ({ next_cpm: "25.5" }) };
    expect(serializeContext(wrapped)).toBe('{"next_cpm":"25.5"}');
  });

  it("keeps a Big-shaped plain object as the object it is (regression: it was written as a decimal string)", () => {
    const value = { money_like: { s: 1, e: 0, c: [5] }, list: [{ s: -1, e: 2, c: [1, 2] }] };
    expect(serializeContext(value)).toBe(JSON.stringify(value));
    expect(jsonDifference(deserializeContext(serializeContext(value)), value)).toBeNull();
    // A NegotiationStateMachine, a class instance, is still refused.
    expect(() => serializeContext({ machine: new NegotiationStateMachine() })).toThrow(
      ContextSerializationError,
    );
  });
});
