/**
 * The valibot builders the campaign schema is made of, one per kind of field (DESIGN §5):
 * objects that keep unknown fields, required and optional text, money, counts, flags,
 * enums, lists, dates. Each refusal reads `must be <what>, got <value>`.
 *
 * Every builder is free of side effects (`@__NO_SIDE_EFFECTS__`), so that a bundle which
 * does not use the schema drops it, and valibot with it.
 */
import type { Big } from "big.js";
import * as v from "valibot";
import { describeValue, errorMessage } from "../errors/negotiation-error.js";
import { ValidationError } from "../errors/validation-error.js";
import { isIsoDateTime } from "./iso-date.js";
import { toNonNegativeMoney } from "./money.js";

/**
 * The message of a refused value: `must be <what>, got <the value, described>`.
 *
 * @param what - What the value must be: `"a non-blank string"`.
 * @returns A valibot message function.
 * @internal
 */
/* @__NO_SIDE_EFFECTS__ */
export function expected(what: string): (issue: v.BaseIssue<unknown>) => string {
  return (issue) => `must be ${what}, got ${describeValue(issue.input)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An object of these entries: unknown fields are kept, after the known ones, even those
 * valibot would leave out (`"__proto__"`, `"constructor"`, `"prototype"`); a list, `null`
 * or any non-object is refused (`must be an object`), and a missing required entry reads
 * `is required`.
 *
 * @param entries - The known fields' schemas, in the order they are written.
 * @returns The object schema.
 * @internal
 */
/* @__NO_SIDE_EFFECTS__ */
export function record<const TEntries extends v.ObjectEntries>(entries: TEntries) {
  const object = keepingGuardedKeys(
    v.looseObject(entries, (issue) =>
      issue.expected === "Object" ? expected("an object")(issue) : "is required",
    ),
  );
  // looseObject takes a list for an object; a list here is a mistake, not a group.
  return v.pipe(v.custom<v.InferInput<typeof object>>(isRecord, expected("an object")), object);
}

/** The keys valibot's looseObject leaves out (its guard against prototype pollution). */
const GUARDED_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/**
 * Keeps the unknown fields looseObject drops (`"__proto__"`, `"constructor"`,
 * `"prototype"`) as plain data fields, in the input's order: here they are unknown fields
 * like any other, and must be written back.
 */
function keepingGuardedKeys<
  TSchema extends v.LooseObjectSchema<
    v.ObjectEntries,
    v.ErrorMessage<v.LooseObjectIssue> | undefined
  >,
>(schema: TSchema): TSchema {
  const known = (key: string) => Object.hasOwn(schema.entries, key);
  return {
    ...schema,
    "~run"(dataset: v.UnknownDataset, config: v.Config<v.BaseIssue<unknown>>) {
      const input = dataset.value;
      const result = schema["~run"](dataset, config);
      if (
        !result.typed ||
        !isRecord(input) ||
        !GUARDED_KEYS.some((key) => Object.hasOwn(input, key) && !known(key))
      ) {
        return result;
      }
      const parsed = result.value as Record<string, unknown>;
      // defineProperty, so that "__proto__" becomes a field rather than the prototype.
      const output: Record<string, unknown> = {};
      const define = (key: string, value: unknown) =>
        Object.defineProperty(output, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      for (const key of Object.keys(parsed)) if (known(key)) define(key, parsed[key]);
      for (const key of Object.keys(input)) {
        if (!known(key)) define(key, GUARDED_KEYS.includes(key) ? input[key] : parsed[key]);
      }
      return { ...result, value: output as typeof result.value };
    },
  };
}

/**
 * An optional field: `null` when absent or null, else the value checked by `schema`.
 *
 * @param schema - The field's schema when it is given.
 * @returns The optional field's schema.
 * @internal
 */
/* @__NO_SIDE_EFFECTS__ */
export function orNull<const TSchema extends v.GenericSchema>(schema: TSchema) {
  return v.nullish(schema, null);
}

/**
 * Required text: a string with something besides white space, kept exactly as given.
 *
 * @returns The field's schema.
 * @internal
 */
/* @__NO_SIDE_EFFECTS__ */
export function nonBlank() {
  return v.pipe(
    v.string(expected("a non-blank string")),
    v.check((text) => text.trim() !== "", expected("a non-blank string")),
  );
}

/**
 * Text from a form that sends `0` or `""` for an empty field: anything but non-empty text,
 * absence included, is `fallback`. Never refuses.
 *
 * @param fallback - What empty input becomes: `null`, or a default such as `"TBD"`.
 * @returns The field's schema.
 * @internal
 */
/* @__NO_SIDE_EFFECTS__ */
export function text<const TFallback extends string | null>(fallback: TFallback) {
  return v.optional(
    v.pipe(
      v.unknown(),
      v.transform((value): string | TFallback =>
        typeof value === "string" && value !== "" ? value : fallback,
      ),
    ),
    null,
  );
}

/**
 * Optional text from a form: {@link text} with `null` for empty input.
 *
 * @returns The field's schema.
 * @internal
 */
/* @__NO_SIDE_EFFECTS__ */
export function optionalText() {
  return text(null);
}

/**
 * Money: a decimal string, a safe integer or a `Big`, never negative, read as `Big`.
 * Refusals keep the wording of `toNonNegativeMoney`.
 *
 * @returns The field's schema.
 * @internal
 */
/* @__NO_SIDE_EFFECTS__ */
export function money() {
  return v.pipe(
    v.unknown(),
    v.rawTransform<unknown, Big>(({ dataset, addIssue, NEVER }) => {
      try {
        return toNonNegativeMoney(dataset.value, "");
      } catch (error) {
        // Keep money.ts's wording; the schema adds the path.
        const message = error instanceof ValidationError ? error.problem : errorMessage(error);
        addIssue({ message });
        return NEVER;
      }
    }),
  );
}

/**
 * Optional money: `null` when absent or null, else {@link money}.
 *
 * @returns The field's schema.
 * @internal
 */
/* @__NO_SIDE_EFFECTS__ */
export function optionalMoney() {
  return orNull(money());
}

/**
 * A count: a non-negative safe integer (a JS number).
 *
 * @returns The field's schema.
 * @internal
 */
/* @__NO_SIDE_EFFECTS__ */
export function count() {
  const message = expected("a non-negative integer");
  return v.pipe(v.number(message), v.safeInteger(message), v.minValue(0, message));
}

/**
 * A flag: `true` or `false`; `false` when absent or null.
 *
 * @returns The field's schema.
 * @internal
 */
/* @__NO_SIDE_EFFECTS__ */
export function flag() {
  return v.nullish(v.boolean(expected("true or false")), false);
}

/**
 * An enum: one of `options`, or `fallback` when absent or null; a refusal names the
 * options.
 *
 * @param options - The accepted values.
 * @param fallback - The default.
 * @returns The field's schema.
 * @internal
 */
/* @__NO_SIDE_EFFECTS__ */
export function oneOf<const TOptions extends readonly [string, ...string[]]>(
  options: TOptions,
  fallback: TOptions[number],
) {
  return v.nullish(v.picklist(options, expected(`one of ${options.join(", ")}`)), fallback);
}

/**
 * A list of strings (empty ones included).
 *
 * @returns The field's schema.
 * @internal
 */
/* @__NO_SIDE_EFFECTS__ */
export function textList() {
  return v.array(v.string(expected("a string")), expected("a list of strings"));
}

/**
 * An ISO 8601 date or date-time string ({@link isIsoDateTime}), kept as the string given.
 *
 * @returns The field's schema.
 * @internal
 */
/* @__NO_SIDE_EFFECTS__ */
export function isoDateTime() {
  const message = expected("an ISO 8601 date or date-time such as 2026-01-15T12:00:00Z");
  return v.pipe(v.string(message), v.check(isIsoDateTime, message));
}
