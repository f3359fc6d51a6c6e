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

/** An ANSI style sequence, as `paletteFor` writes them. */
const ANSI_STYLE = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, "g");

/**
 * Lays rows out as a table with a header line and a rule, columns padded to their widest
 * cell (colours, which take no room, do not count).
 *
 * @param headers - The column titles.
 * @param rows - The cells, as text.
 * @returns The lines of the table.
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const width = (text: string) => [...text.replace(ANSI_STYLE, "")].length;
  const widths = headers.map((header, column) =>
    Math.max(width(header), ...rows.map((row) => width(row[column] ?? ""))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell + " ".repeat((widths[column] ?? 0) - width(cell)),
      )
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((size) => "-".repeat(size))), ...rows.map(line)];
}
