/**
 * Property: a decimal of any size and scale comes back as the same value, in plain
 * notation, never rounded, through every place money goes: the campaign's money fields,
 * the context, the CPM tracker and a real store. The CPM tracker's arithmetic is Python's
 * decimal in its default context: each operation rounded to 28 significant digits, half-even.
 */
import Big from "big.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  deserializeCampaign,
  parseCampaign,
  serializeCampaign,
} from "../../src/domain/campaign.js";
import { CampaignCPMTracker } from "../../src/domain/campaign-cpm-tracker.js";
import { CampaignValidationError } from "../../src/domain/errors.js";
import { formatMoney, isBigLike, toMoney } from "../../src/domain/money.js";
import { NegotiationStateMachine } from "../../src/domain/negotiation-state-machine.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import { deserializeContext, serializeContext } from "../../src/store/context-serializer.js";
import {
  deserializeCpmTracker,
  serializeCpmTracker,
} from "../../src/store/cpm-tracker-serializer.js";
import { ContextSerializationError } from "../../src/store/errors.js";
import type { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { campaignInput } from "../support/negotiations.js";
import { thrownBy } from "../support/thrown-by.js";
import { checkProperty, decimalCase, nonNegativeDecimalCase, timeoutFor } from "./support.js";

// A default that grows with FC_RUNS, for the tests that do not set their own.
vi.setConfig({ testTimeout: timeoutFor(1000, 20) });

/** Every money field of a campaign (DESIGN §5), as issue paths. */
const MONEY_FIELDS = [
  "budget",
  "cpm_range.min_cpm",
  "cpm_range.max_cpm",
  "budget_constraints.campaign_budget",
  "budget_constraints.min_cost_per_influencer",
  "budget_constraints.max_cost_without_approval",
  "budget_constraints.cpm_target",
  "budget_constraints.cpm_leniency_pct",
  "product_leverage.product_monetary_value",
] as const;
type MoneyField = (typeof MONEY_FIELDS)[number];

/** A money input as a caller may pass it, and the plain string it must be written as. */
interface MoneyCase {
  readonly input: string | number | Big;
  readonly plain: string;
}

/** A decimal string, the same value as a Big of the consumer's big.js, or a safe integer. */
const moneyCase: fc.Arbitrary<MoneyCase> = fc.oneof(
  {
    weight: 3,
    arbitrary: nonNegativeDecimalCase().map(({ text, plain }) => ({ input: text, plain })),
  },
  {
    weight: 1,
    arbitrary: nonNegativeDecimalCase().map(({ text, plain }) => ({ input: new Big(text), plain })),
  },
  {
    weight: 1,
    arbitrary: fc.maxSafeNat().map((n) => ({ input: n, plain: String(n) })),
  },
);

/** The consumer's big.js settings, changed here: the package must not depend on them. */
const consumerSettings = { DP: Big.DP, RM: Big.RM, NE: Big.NE, PE: Big.PE };

beforeAll(() => {
  // A consumer that rounds everything to integers and prints exponents everywhere.
  Big.DP = 0;
  Big.RM = Big.roundDown;
  Big.NE = -1;
  Big.PE = 1;
});

afterAll(() => {
  Object.assign(Big, consumerSettings);
});

function expectMoney(value: unknown, plain: string): void {
  expect(isBigLike(value)).toBe(true);
  expect(formatMoney(value as Big)).toBe(plain);
  expect((value as Big).eq(plain)).toBe(true);
}

function valueAt(root: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | null)?.[key], root);
}

/** A campaign whose money fields hold the given inputs; min_cpm and max_cpm in order. */
function campaignWithMoney(money: Record<MoneyField, MoneyCase>): {
  input: Record<string, unknown>;
  expected: Record<MoneyField, string>;
} {
  let min = money["cpm_range.min_cpm"];
  let max = money["cpm_range.max_cpm"];
  if (new Big(min.plain).gt(max.plain)) [min, max] = [max, min];
  const cases = { ...money, "cpm_range.min_cpm": min, "cpm_range.max_cpm": max };
  const input = campaignInput({
    budget: cases.budget.input,
    cpm_range: { min_cpm: min.input, max_cpm: max.input },
    budget_constraints: {
      campaign_budget: cases["budget_constraints.campaign_budget"].input,
      min_cost_per_influencer: cases["budget_constraints.min_cost_per_influencer"].input,
      max_cost_without_approval: cases["budget_constraints.max_cost_without_approval"].input,
      cpm_target: cases["budget_constraints.cpm_target"].input,
      cpm_leniency_pct: cases["budget_constraints.cpm_leniency_pct"].input,
    },
    product_leverage: {
      product_monetary_value: cases["product_leverage.product_monetary_value"].input,
    },
  });
  const expected = Object.fromEntries(
    MONEY_FIELDS.map((field) => [field, cases[field].plain]),
  ) as Record<MoneyField, string>;
  return { input, expected };
}

const campaignMoney = fc.record(
  Object.fromEntries(MONEY_FIELDS.map((field) => [field, moneyCase])) as Record<
    MoneyField,
    fc.Arbitrary<MoneyCase>
  >,
);

/** A tracker's money: its range and a few agreements. */
interface TrackerMoney {
  readonly min: MoneyCase;
  readonly max: MoneyCase;
  readonly agreements: readonly { readonly cpm: MoneyCase; readonly rate: number | null }[];
  readonly extraInfluencers: number;
}

const trackerMoney: fc.Arbitrary<TrackerMoney> = fc.record({
  min: moneyCase,
  max: moneyCase,
  agreements: fc.array(
    fc.record({
      cpm: moneyCase,
      rate: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 100 })),
    }),
    { maxLength: 6 },
  ),
  extraInfluencers: fc.nat({ max: 5 }),
});

function trackerFrom(money: TrackerMoney): CampaignCPMTracker {
  const tracker = new CampaignCPMTracker(
    "camp-001",
    money.min.input,
    money.max.input,
    money.agreements.length + money.extraInfluencers,
  );
  for (const agreement of money.agreements)
    tracker.recordAgreement(agreement.cpm.input, agreement.rate);
  return tracker;
}

function expectTracker(tracker: CampaignCPMTracker, money: TrackerMoney): void {
  expectMoney(tracker.targetMinCpm, money.min.plain);
  expectMoney(tracker.targetMaxCpm, money.max.plain);
  expect(tracker.agreements).toHaveLength(money.agreements.length);
  tracker.agreements.forEach((agreement, index) => {
    expectMoney(agreement.cpm, money.agreements[index]?.cpm.plain ?? "");
  });
  const dict = tracker.toDict();
  expect(dict.target_min_cpm).toBe(money.min.plain);
  expect(dict.target_max_cpm).toBe(money.max.plain);
  expect(dict.agreements.map((agreement) => agreement.cpm)).toEqual(
    money.agreements.map((agreement) => agreement.cpm.plain),
  );
}

describe("decimals through the domain and the serializers", () => {
  it(
    "every money field of a campaign round-trips exactly: parse, serialize, deserialize",
    async () => {
      await checkProperty(
        "money round trip (campaign parse/serialize/deserialize)",
        fc.property(campaignMoney, (money) => {
          const { input, expected } = campaignWithMoney(money);
          const parsed = parseCampaign(input);
          const json = serializeCampaign(parsed);
          const written = JSON.parse(json) as unknown;
          const back = deserializeCampaign(json);
          for (const field of MONEY_FIELDS) {
            expectMoney(valueAt(parsed, field), expected[field]);
            expect(valueAt(written, field)).toBe(expected[field]);
            expectMoney(valueAt(back, field), expected[field]);
          }
          // Written again, the text does not move.
          expect(serializeCampaign(back)).toBe(json);
          expect(serializeCampaign(input)).toBe(json);
        }),
        500,
      );
    },
    timeoutFor(500, 5),
  );

  it("money in a context is written as its plain value; decimal strings stay the strings they were", async () => {
    await checkProperty(
      "money round trip (context)",
      fc.property(fc.array(decimalCase(), { minLength: 1, maxLength: 8 }), (decimals) => {
        const context = {
          bigs: decimals.map(({ text }) => new Big(text)),
          texts: decimals.map(({ text }) => text),
          nested: { next_cpm: new Big(decimals[0]?.text ?? "0") },
        };
        const back = deserializeContext(serializeContext(context));
        expect(back).toEqual({
          bigs: decimals.map(({ plain }) => plain),
          texts: decimals.map(({ text }) => text),
          nested: { next_cpm: decimals[0]?.plain },
        });
      }),
      1000,
    );
  });

  it("the CPM tracker's money round-trips exactly: toDict/fromDict and the serializers", async () => {
    await checkProperty(
      "money round trip (CPM tracker)",
      fc.property(trackerMoney, (money) => {
        const tracker = trackerFrom(money);
        expectTracker(tracker, money);
        expectTracker(CampaignCPMTracker.fromDict(tracker.toDict()), money);
        const stored = JSON.parse(JSON.stringify(serializeCpmTracker(tracker))) as unknown;
        expectTracker(deserializeCpmTracker(stored), money);
        // A dict written by someone else, with the inputs' own spelling ("25.50", "1E+3").
        const foreign = {
          campaign_id: "camp-001",
          target_min_cpm: String(
            money.min.input instanceof Big ? formatMoney(money.min.input) : money.min.input,
          ),
          target_max_cpm: String(
            money.max.input instanceof Big ? formatMoney(money.max.input) : money.max.input,
          ),
          total_influencers: money.agreements.length + money.extraInfluencers,
          agreements: money.agreements.map(({ cpm, rate }) => ({
            cpm: typeof cpm.input === "string" ? cpm.input : cpm.plain,
            engagement_rate: rate,
          })),
        };
        expectTracker(deserializeCpmTracker(foreign), money);
        expect(serializeCpmTracker(foreign)).toEqual(tracker.toDict());
      }),
      1000,
    );
  });

  it("negative amounts are refused in every money field, naming the field", async () => {
    const negative = decimalCase().filter((decimal) => decimal.negative);
    await checkProperty(
      "negative money refused (campaign and tracker)",
      fc.property(negative, fc.constantFrom(...MONEY_FIELDS), (decimal, field) => {
        const input = campaignInput({
          cpm_range: { min_cpm: "0", max_cpm: "1e100" },
          budget_constraints: { campaign_budget: "1" },
          product_leverage: {},
        });
        const [group, key] = field.split(".") as [string, string | undefined];
        if (key === undefined) input[group] = decimal.text;
        else (input[group] as Record<string, unknown>)[key] = decimal.text;
        const error = thrownBy(() => parseCampaign(input));
        expect(error).toBeInstanceOf(CampaignValidationError);
        expect((error as CampaignValidationError).issues.map((issue) => issue.path)).toContain(
          field,
        );

        const trackerError = thrownBy(() => new CampaignCPMTracker("c", "0", decimal.text, 1));
        expect(trackerError).toBeInstanceOf(ValidationError);
        expect((trackerError as ValidationError).path).toBe("targetMaxCpm");
        const tracker = new CampaignCPMTracker("c", "0", "1", 1);
        expect(
          (thrownBy(() => tracker.recordAgreement(decimal.text)) as ValidationError).path,
        ).toBe("cpm");
      }),
      500,
    );
  });

  it("inexact or non-decimal inputs are refused with ValidationError, never rounded", async () => {
    const notDecimal = fc.oneof(
      fc.double({ noNaN: false }).filter((n) => !Number.isSafeInteger(n)),
      fc.constantFrom(
        "",
        " 1",
        "1 ",
        "+1",
        "1,5",
        "0x10",
        "Infinity",
        "NaN",
        "1e",
        "e5",
        ".",
        "-",
        "1.2.3",
        "١٢٣",
        "1_000",
      ),
      fc.string().filter((text) => !/^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text)),
      fc.bigInt(),
      fc.constantFrom(null, undefined, true, [], {}),
    );
    await checkProperty(
      "inexact money refused",
      fc.property(notDecimal, (value) => {
        const error = thrownBy(() => toMoney(value, "somewhere.amount"));
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).path).toBe("somewhere.amount");
      }),
      1000,
    );
  });
});

describe("amounts too large to write in plain notation", () => {
  it('an exponent beyond ±999999 is refused wherever money goes, naming the path (regression: a 12-character "1e1000000000" ran the process out of memory)', async () => {
    const outOfRange = fc
      .record({
        mantissa: fc.constantFrom("1", "9.99", "0.5", "12345"),
        minus: fc.boolean(),
        exponent: fc.integer({ min: 1_000_010, max: 1e12 }),
      })
      .map(({ mantissa, minus, exponent }) => `${mantissa}e${minus ? "-" : "+"}${exponent}`);
    await checkProperty(
      "out-of-range exponents refused (toMoney, campaign, tracker, context)",
      fc.property(outOfRange, (text) => {
        const error = thrownBy(() => toMoney(text, "amount"));
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).path).toBe("amount");
        expect((error as Error).message).toMatch(/out of range/);
        const campaignError = thrownBy(() => parseCampaign(campaignInput({ budget: text })));
        expect(
          (campaignError as CampaignValidationError).issues.map((issue) => issue.path),
        ).toEqual(["budget"]);
        const tracker = new CampaignCPMTracker("c", "0", "1", 1);
        expect((thrownBy(() => tracker.recordAgreement(text)) as ValidationError).path).toBe("cpm");
        const contextError = thrownBy(() => serializeContext({ amount: new Big(text) }));
        expect(contextError).toBeInstanceOf(ContextSerializationError);
        expect((contextError as ContextSerializationError).keyPath).toBe("context.amount");
        const unknownError = thrownBy(() =>
          serializeCampaign({ ...parseCampaign(campaignInput()), extra: new Big(text) }),
        );
        expect(unknownError).toBeInstanceOf(CampaignValidationError);
      }),
      300,
    );
  });

  it("the largest exponents still accepted are written in full, in plain notation", () => {
    expect(formatMoney(toMoney("1e999999", "amount"))).toBe(`1${"0".repeat(999_999)}`);
    expect(formatMoney(toMoney("1e-999999", "amount"))).toBe(`0.${"0".repeat(999_998)}1`);
    expect(() => toMoney("1e1000000", "amount")).toThrow(ValidationError);
    expect(() => toMoney("1e-1000000", "amount")).toThrow(ValidationError);
    // Zero has no exponent to speak of, whatever it is written with.
    expect(formatMoney(toMoney("0e-99999999999", "amount"))).toBe("0");
  });
});

describe("what the package promises about precision", () => {
  /**
   * Big with room to spare, and Python's default decimal context on top of it: each
   * operation exact (divisions to 200 places, which settle every rounding here, the divisors
   * being 1 to 9), then rounded to 28 significant digits, half-even.
   */
  const Exact = Big();
  Exact.DP = 200;
  Exact.RM = Big.roundHalfUp;
  const context = (value: Big) => value.prec(28, Big.roundHalfEven);

  it("runningAverageCpm is Python's sum(cpms) / len(cpms), each step rounded to 28 significant digits", async () => {
    await checkProperty(
      "precision of runningAverageCpm (28 significant digits, half-even)",
      fc.property(
        fc.array(nonNegativeDecimalCase({ intDigits: 25, fracDigits: 45 }), {
          minLength: 1,
          maxLength: 9,
        }),
        (cpms) => {
          const tracker = new CampaignCPMTracker("c", "0", "1", cpms.length);
          for (const { text } of cpms) tracker.recordAgreement(text);
          const sum = cpms.reduce((total, { plain }) => context(total.plus(plain)), new Exact(0));
          const mean = context(sum.div(cpms.length));
          expect(formatMoney(tracker.runningAverageCpm as Big)).toBe(formatMoney(mean));
        },
      ),
      1000,
    );
  });

  it("getFlexibility rounds each operation to 28 significant digits, half-even, and never goes above the cap", async () => {
    await checkProperty(
      "precision of getFlexibility (28 significant digits, half-even)",
      fc.property(
        nonNegativeDecimalCase({ intDigits: 12, fracDigits: 45 }),
        fc.array(nonNegativeDecimalCase({ intDigits: 12, fracDigits: 45 }), { maxLength: 6 }),
        fc.nat({ max: 7 }),
        fc.option(fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 20 })),
        (max, cpms, extra, rate) => {
          const total = cpms.length + extra;
          const tracker = new CampaignCPMTracker("c", "0", max.text, total);
          for (const { text } of cpms) tracker.recordAgreement(text, rate);
          const { targetCpm, maxAllowedCpm, reason } = tracker.getFlexibility(rate);

          // DESIGN §3, step by step, in the Python service's order.
          const target = new Exact(max.plain);
          const remaining = total - cpms.length;
          const sum = cpms.reduce((all, { plain }) => context(all.plus(plain)), new Exact(0));
          const average = cpms.length > 0 ? context(sum.div(cpms.length)) : null;
          let budget = new Exact(0);
          if (average?.lt(target) && remaining > 0) {
            const savings = context(target.minus(average));
            budget = context(context(savings.times(cpms.length)).div(remaining));
          }
          let engagement = new Exact(0);
          if (rate !== null && rate > 5) engagement = context(target.times("0.15"));
          else if (rate !== null && rate > 3) engagement = context(target.times("0.08"));
          const uncapped = context(context(target.plus(budget)).plus(engagement));
          const cap = context(target.times("1.20"));
          const promised = cap.lt(uncapped) ? cap : uncapped;

          expectMoney(targetCpm, max.plain);
          expect(formatMoney(maxAllowedCpm)).toBe(formatMoney(promised));
          expect(maxAllowedCpm.lte(cap)).toBe(true);
          expect(reason.endsWith(`max allowed: $${promised.toFixed(2, Big.roundHalfEven)}`)).toBe(
            true,
          );
          expect(reason.includes("capped at 120%")).toBe(
            promised.eq(cap) && (budget.gt(0) || engagement.gt(0)),
          );
        },
      ),
      1000,
    );
  });
});

describe("the 28th significant digit, by example", () => {
  it("a budget premium below the max's 28th significant digit rounds away", () => {
    // Savings 1e-26 spread over 9 remaining: 30 + 1.1e-27 is 30 to 28 digits.
    const tracker = new CampaignCPMTracker("c", "0", "30", 10);
    tracker.recordAgreement("29.99999999999999999999999999");
    const { maxAllowedCpm, reason } = tracker.getFlexibility(null);
    expect(formatMoney(maxAllowedCpm)).toBe("30");
    expect(reason).toBe("budget savings: +$0.00; no engagement data; max allowed: $30.00");
  });

  it("a 30-digit cpm just below target max is the target max once Python's sum rounds it", () => {
    const tracker = new CampaignCPMTracker("c", "0", "30", 2);
    tracker.recordAgreement("29.9999999999999999999999999999");
    expect(formatMoney(tracker.runningAverageCpm as Big)).toBe("30");
    expect(tracker.getFlexibility(null).reason).toBe("no engagement data; max allowed: $30.00");
  });
});

describe("decimals through a real store", () => {
  let store: NegotiationStateStore;

  beforeAll(async () => {
    store = await openNegotiationStore({ persistence: memoryPersistence() });
  });

  afterAll(() => store.close());

  it(
    "save then restoreActive gives back every amount exactly, written in plain notation",
    async () => {
      await checkProperty(
        "money round trip (store save -> restoreActive, memory)",
        fc.asyncProperty(
          campaignMoney,
          trackerMoney,
          fc.array(decimalCase(), { maxLength: 4 }),
          async (money, trackerCase, decimals) => {
            const { input, expected } = campaignWithMoney(money);
            const machine = new NegotiationStateMachine();
            machine.trigger("send_offer");
            await store.save({
              threadId: "money",
              stateMachine: machine,
              context: {
                amounts: decimals.map(({ text }) => new Big(text)),
                texts: decimals.map(({ text }) => text),
              },
              campaign: input,
              cpmTracker: trackerFrom(trackerCase),
              roundCount: 1,
            });
            const [row] = await store.loadActive();
            const written = JSON.parse(row?.campaign_json ?? "null") as unknown;
            for (const field of MONEY_FIELDS) expect(valueAt(written, field)).toBe(expected[field]);

            const [restored] = await store.restoreActive();
            expect(restored?.threadId).toBe("money");
            for (const field of MONEY_FIELDS) {
              expectMoney(valueAt(restored?.campaign, field), expected[field]);
            }
            expect(restored?.context).toEqual({
              amounts: decimals.map(({ plain }) => plain),
              texts: decimals.map(({ text }) => text),
            });
            expectTracker(restored?.cpmTracker as CampaignCPMTracker, trackerCase);
          },
        ),
        300,
      );
    },
    timeoutFor(300, 10),
  );
});
