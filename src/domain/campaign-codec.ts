/**
 * The campaign's JSON form, the `campaign_json` column shared with the Python service
 * (DESIGN §4 and §5): parsing with the schema into the package's error, writing, reading
 * back.
 */
import * as v from "valibot";
import { describeValue, errorMessage } from "../errors/negotiation-error.js";
import type { Campaign } from "./campaign.js";
import { CampaignSchema } from "./campaign-schema.js";
import { type CampaignIssue, CampaignValidationError } from "./errors.js";
import { formatMoney, isBigNumber, isWithinPlainRange, toMoney } from "./money.js";

/** An issue's path as the package writes it: `cpm_range.min_cpm`, `influencers[1].name`. */
function issuePath(issue: v.BaseIssue<unknown>): string {
  let path = "";
  for (const item of issue.path ?? []) {
    path +=
      typeof item.key === "number" ? `[${item.key}]` : `${path ? "." : ""}${String(item.key)}`;
  }
  return path;
}

/**
 * Validates a campaign and normalises it: money becomes `Big`, defaults are applied, empty
 * optional text becomes `null`, unknown fields are kept. Parsing a parsed campaign again
 * gives an equal campaign.
 *
 * @param input - A campaign object, as read from JSON or built in code; money as decimal
 *   strings, safe integers or `Big`.
 * @returns The parsed campaign.
 * @throws {@link CampaignValidationError} (code `INVALID_CAMPAIGN`) listing every refused
 *   field with its path in `issues`.
 * @example
 * const campaign = parseCampaign({
 *   campaign_id: "camp-001", client_name: "Acme Corp", budget: "10000",
 *   target_deliverables: "2 Instagram Reels", cpm_range: { min_cpm: "20", max_cpm: "30" },
 *   created_at: "2026-01-15T12:00:00Z",
 * });
 * campaign.cpm_range.max_cpm.toFixed(); // "30"
 * campaign.timeline; // "TBD"
 */
export function parseCampaign(input: unknown): Campaign {
  let result: v.SafeParseResult<typeof CampaignSchema>;
  try {
    result = v.safeParse(CampaignSchema, input);
  } catch (error) {
    // A throwing getter or proxy in the input: still a refusal, never a raw TypeError.
    throw new CampaignValidationError(
      [{ path: "", message: `could not be read: ${errorMessage(error)}` }],
      {
        cause: error,
      },
    );
  }
  if (result.success) return result.output;
  const issues: CampaignIssue[] = result.issues.map((issue) => ({
    path: issuePath(issue),
    message: issue.message,
  }));
  throw new CampaignValidationError(issues, { cause: new v.ValiError(result.issues) });
}

/**
 * Writes a campaign as the `campaign_json` column: compact JSON with every known field
 * present (`null` included) in the schema's order, money as plain decimal strings (never an
 * exponent), unknown fields kept after the known ones.
 *
 * @param campaign - A parsed campaign, or anything {@link parseCampaign} accepts.
 * @returns The JSON text.
 * @throws {@link CampaignValidationError} (code `INVALID_CAMPAIGN`) when the campaign is
 *   invalid, or when an unknown field cannot be written as JSON (a cycle, a bigint).
 */
export function serializeCampaign(campaign: Campaign | unknown): string {
  const parsed = parseCampaign(campaign);
  try {
    return JSON.stringify(parsed, function (this: Record<string, unknown>, key, value) {
      // The replacer sees a Big after its own toJSON; read the holder to catch it first.
      // An unknown field that only has a Big's fields is plain data, written as it is.
      const raw = this[key];
      if (!isBigNumber(raw)) return value;
      // Known money fields were checked by the parse; a Big in an unknown field was not:
      // toMoney refuses one too large to write in plain notation.
      return formatMoney(isWithinPlainRange(raw) ? raw : toMoney(raw, key));
    });
  } catch (error) {
    throw new CampaignValidationError(
      [{ path: "", message: `cannot be written as JSON: ${errorMessage(error)}` }],
      { cause: error },
    );
  }
}

/**
 * Reads a `campaign_json` value back into a parsed campaign.
 *
 * @param json - The JSON text, as written by {@link serializeCampaign} or the Python service.
 * @returns The parsed campaign.
 * @throws {@link CampaignValidationError} (code `INVALID_CAMPAIGN`) when the text is not
 *   JSON or the campaign is invalid.
 */
export function deserializeCampaign(json: string): Campaign {
  let data: unknown;
  try {
    if (typeof json !== "string")
      throw new TypeError(`expected a string, got ${describeValue(json)}`);
    data = JSON.parse(json);
  } catch (error) {
    throw new CampaignValidationError(
      [{ path: "", message: `is not valid JSON: ${errorMessage(error)}` }],
      { cause: error },
    );
  }
  return parseCampaign(data);
}
