import { displayWidth, truncateToWidth } from "./display-width.js";

/** Where a command writes: its two streams, each with whether it is a terminal. */
export interface Terminal {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** The environment, for `NO_COLOR` and `FORCE_COLOR`. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A stream the CLI writes text to. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Colours for one stream: identity functions when it is not a terminal. */
export interface Palette {
  /** Whether these are colours at all. */
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

/**
 * The colours to write to `stream`: ANSI colours only on a terminal, unless `NO_COLOR` is
 * set (to anything but the empty string); `FORCE_COLOR` turns them on anywhere, except
 * `FORCE_COLOR=0` (or `false`), which turns them off.
 *
 * @param stream - Where the text goes.
 * @param env - The environment.
 * @returns The palette.
 */
export function paletteFor(stream: OutputStream, env: Terminal["env"]): Palette {
  const force = env.FORCE_COLOR;
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  const enabled =
    force === undefined
      ? stream.isTTY === true && !noColor
      : force !== "0" && force.toLowerCase() !== "false";
  const style = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    enabled,
    bold: style(1, 22),
    dim: style(2, 22),
    red: style(31, 39),
    green: style(32, 39),
    yellow: style(33, 39),
    cyan: style(36, 39),
  };
}

// C0, DEL and C1: all that a terminal may act on rather than show.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text read from a database, made safe to print: control characters (which could move the
 * cursor, recolour or clear the terminal, or break a table's line) are shown as `\u001b`
 * escapes, as JSON writes them.
 *
 * @param text - Any text.
 * @returns The text, with no control character left.
 */
export function printable(text: string): string {
  return text.replace(
    CONTROL_CHARACTERS,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Options of {@link renderTable}. */
export interface TableLayout {
  /**
   * The most columns a line may take (the terminal's width); no limit when undefined. A
   * wider table first narrows its `shrinkable` columns, widest first, down to their
   * header's width, cutting their cells with `…`; if it is still too wide, each line is
   * cut at the limit with `…`. Lines are never wrapped.
   */
  readonly maxWidth?: number | undefined;
  /** The indexes of the free-text columns that may be narrowed (thread, campaign). */
  readonly shrinkable?: readonly number[];
}

/** What separates two columns. */
const GAP = "  ";

/**
 * Lays rows out as a table with a header line and a rule, columns padded to their widest
 * cell in display width (wide characters and emoji take two columns, combining marks and
 * colours none: see {@link displayWidth}), so that every column starts at the same column
 * on every line.
 *
 * @param headers - The column titles.
 * @param rows - The cells, as text.
 * @param layout - The width to fit, and which columns may be narrowed to fit it.
 * @returns The lines of the table.
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  layout: TableLayout = {},
): string[] {
  const widths = headers.map((header, column) =>
    Math.max(displayWidth(header), ...rows.map((row) => displayWidth(row[column] ?? ""))),
  );
  const { maxWidth } = layout;
  if (maxWidth !== undefined) narrow(widths, headers, layout.shrinkable ?? [], maxWidth);
  const line = (cells: readonly string[]) => {
    const text = cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        const fitted = truncateToWidth(cell, width);
        return column === cells.length - 1
          ? fitted
          : fitted + " ".repeat(width - displayWidth(fitted));
      })
      .join(GAP)
      .trimEnd();
    return maxWidth === undefined ? text : truncateToWidth(text, maxWidth);
  };
  return [line(headers), line(widths.map((size) => "-".repeat(size))), ...rows.map(line)];
}

/** Narrows the shrinkable columns, widest first, until the table fits or none can give more. */
function narrow(
  widths: number[],
  headers: readonly string[],
  shrinkable: readonly number[],
  maxWidth: number,
): void {
  const total = () =>
    widths.reduce((sum, width) => sum + width, 0) + GAP.length * (widths.length - 1);
  const least = (column: number) => Math.max(displayWidth(headers[column] ?? ""), 1);
  for (let excess = total() - maxWidth; excess > 0; excess--) {
    let widest: number | undefined;
    for (const column of shrinkable) {
      const width = widths[column] ?? 0;
      if (width > least(column) && (widest === undefined || width > (widths[widest] ?? 0))) {
        widest = column;
      }
    }
    if (widest === undefined) return;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
}
