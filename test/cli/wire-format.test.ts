/**
 * The wire format of `export` and `import`, by direct calls: a row to a line and back,
 * and the refusals of a line that cannot be a row, each at its field.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JSON_COLUMNS, rowToWire, WIRE_FIELDS } from "../../src/cli/wire-format.js";
import { wireToRow } from "../../src/cli/wire-to-row.js";
import { parseExactJson, stringifyExactJson } from "../../src/store/exact-json.js";
import type { NegotiationStateRow } from "../../src/store/negotiation-state-table.js";
import { checkProperty } from "../properties/support.js";

/** A row as the Python service writes its values (trailing zeros kept), as compact JSON. */
const ROW: NegotiationStateRow = {
  thread_id: "thread-1",
  state: "counter_received",
  round_count: 2,
  context_json: '{"next_cpm":"25.50","budget_left":"1000.10","tags":["reel"]}',
  campaign_json:
    '{"campaign_id":"camp-001","client_name":"Acme Corp","target_deliverables":"2 Instagram Reels","budget":"5000.00","cpm_range":{"min_cpm":"20.00","max_cpm":"30.00"},"created_at":"2026-01-15T12:00:00Z"}',
  cpm_tracker_json:
    '{"campaign_id":"camp-001","target_min_cpm":"20.00","target_max_cpm":"30","total_influencers":5,"agreements":[{"cpm":"25.50","engagement_rate":4.2}]}',
  history_json:
    '[["initial_offer","send_offer","awaiting_reply"],["awaiting_reply","receive_reply","counter_received"]]',
  created_at: "2026-02-19T18:16:12Z",
  updated_at: "2026-02-19T18:20:00Z",
};

/** The wire form of {@link ROW}, as `export` writes it and `JSON.parse` reads it back. */
function wire(): Record<string, unknown> {
  return JSON.parse(stringifyExactJson(rowToWire(ROW).wire));
}

/** The refusals of a line, or a failure naming the row it made instead. */
function refusalsOf(line: unknown) {
  const checked = wireToRow(line);
  if (checked.refusals === undefined) {
    throw new Error(`expected refusals, got the row ${JSON.stringify(checked.row)}`);
  }
  return checked.refusals;
}

describe("rowToWire", () => {
  it("gives the fields in the table's column order, the JSON columns as their values, no column kept as text", () => {
    const { wire, textColumns } = rowToWire(ROW);
    expect(Object.keys(wire)).toEqual([...WIRE_FIELDS]);
    expect(textColumns).toEqual([]);
    expect(wire.context_json).toEqual({
      next_cpm: "25.50",
      budget_left: "1000.10",
      tags: ["reel"],
    });
    expect(wire.history_json).toEqual([
      ["initial_offer", "send_offer", "awaiting_reply"],
      ["awaiting_reply", "receive_reply", "counter_received"],
    ]);
    for (const field of WIRE_FIELDS) {
      if (!(JSON_COLUMNS as readonly string[]).includes(field))
        expect(wire[field]).toBe(ROW[field]);
    }
  });

  it("keeps a JSON column whose text is not JSON as that text, and names it", () => {
    const { wire, textColumns } = rowToWire({
      ...ROW,
      context_json: "{not json",
      history_json: '[["initial_offer"',
    });
    expect(textColumns).toEqual(["context_json", "history_json"]);
    expect(wire.context_json).toBe("{not json");
    expect(wire.history_json).toBe('[["initial_offer"');
    expect(wire.campaign_json).toEqual(parseExactJson(ROW.campaign_json));
    // Importing that line refuses each such column, by name.
    expect(refusalsOf(wire)).toEqual([
      { field: "context_json", problem: expect.stringMatching(/^is text that is not JSON \(/) },
      { field: "history_json", problem: expect.stringMatching(/^is text that is not JSON \(/) },
    ]);
  });
});

describe("row to wire to row", () => {
  it("gives back the row, its JSON text as given: decimals keep their digits", () => {
    expect(wireToRow(rowToWire(ROW).wire)).toEqual({ row: ROW });
    // Through the text of a line, as export writes it and import reads it.
    const line = stringifyExactJson(rowToWire(ROW).wire);
    expect(line).toContain('"next_cpm":"25.50"');
    expect(line).toContain('"min_cpm":"20.00"');
    expect(wireToRow(parseExactJson(line))).toEqual({ row: ROW });
  });

  it("takes a JSON column given as its JSON text, spaced as the Python service writes it, and keeps its values", () => {
    const spaced = {
      ...wire(),
      context_json: '{"next_cpm": "25.50", "budget_left": "1000.10", "tags": ["reel"]}',
      cpm_tracker_json: JSON.stringify(JSON.parse(ROW.cpm_tracker_json), null, 2),
    };
    expect(wireToRow(spaced)).toEqual({ row: ROW });
  });

  it("keeps integers beyond 2^53 exactly, as bigints in between", () => {
    const context = '{"order_id":9223372036854775807,"ids":[-18446744073709551617,7],"n":2}';
    const row = { ...ROW, context_json: context };
    const { wire } = rowToWire(row);
    expect(wire.context_json).toEqual({
      order_id: 9223372036854775807n,
      ids: [-18446744073709551617n, 7],
      n: 2,
    });
    expect(wireToRow(wire)).toEqual({ row });
    expect(wireToRow(parseExactJson(stringifyExactJson(wire)))).toEqual({ row });
  });
  it("keeps any context of decimal strings, integers of any size and nesting, to the digit", async () => {
    const leaf = fc.oneof(
      fc
        .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.nat(4))
        .map(([units, places]) => {
          const digits = (units < 0n ? -units : units).toString().padStart(places + 1, "0");
          const point = digits.length - places;
          const decimal =
            places === 0 ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`;
          return units < 0n ? `-${decimal}` : decimal;
        }),
      fc
        .bigInt({ min: -(2n ** 80n), max: 2n ** 80n })
        .map((n) =>
          n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
            ? Number(n)
            : n,
        ),
      fc.string({ maxLength: 8 }),
      fc.boolean(),
      fc.constant(null),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.array(tie("value"), { maxLength: 4 }),
        tie("object"),
      ),
      object: fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 4 }),
    }));
    await checkProperty(
      "wire round trip of contexts",
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 5 }), (context) => {
        const row = { ...ROW, context_json: stringifyExactJson(context) };
        const line = stringifyExactJson(rowToWire(row).wire);
        expect(wireToRow(parseExactJson(line))).toEqual({ row });
      }),
      200,
    );
  });
});

describe("wireToRow refusals", () => {
  it("name the field inside a JSON column: campaign_json.cpm_range.min_cpm", () => {
    const line = wire() as { campaign_json: Record<string, unknown> };
    line.campaign_json.cpm_range = { min_cpm: "40", max_cpm: "30" };
    expect(refusalsOf(line)).toEqual([
      { field: "campaign_json.cpm_range.min_cpm", problem: "must not exceed max_cpm (40 > 30)" },
    ]);
  });

  it("name the history entry that is not a transition: history_json[2]", () => {
    const line = {
      ...wire(),
      state: "awaiting_reply",
      history_json: [
        ["initial_offer", "send_offer", "awaiting_reply"],
        ["awaiting_reply", "receive_reply", "counter_received"],
        ["counter_received", "send_offer", "awaiting_reply"],
      ],
    };
    expect(refusalsOf(line)).toEqual([
      {
        field: "history_json[2]",
        problem: '"send_offer" is not a transition from "counter_received"',
      },
    ]);
  });

  it("name round_count when it is not a non-negative integer", () => {
    for (const [roundCount, got] of [
      [-1, "-1"],
      [1.5, "1.5"],
      ["2", '"2"'],
    ] as const) {
      expect(refusalsOf({ ...wire(), round_count: roundCount })).toEqual([
        { field: "round_count", problem: `must be a non-negative integer, got ${got}` },
      ]);
    }
  });

  it("name each unknown field and each missing one, and every other problem of the line too", () => {
    const { updated_at: _, history_json: __, ...rest } = wire();
    const line = { ...rest, surprise: true, round_count: -1 };
    expect(refusalsOf(line)).toEqual([
      { field: "surprise", problem: `unknown field; a line has exactly ${WIRE_FIELDS.join(", ")}` },
      { field: "history_json", problem: "missing" },
      { field: "updated_at", problem: "missing" },
      { field: "round_count", problem: "must be a non-negative integer, got -1" },
    ]);
  });

  it("refuse what is not an object, at the line as a whole", () => {
    for (const line of [[], null, "a line", 7]) {
      expect(refusalsOf(line)).toEqual([
        { field: "", problem: expect.stringMatching(/^expected a JSON object, got /) },
      ]);
    }
  });
});
