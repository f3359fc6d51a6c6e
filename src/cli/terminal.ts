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
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

/**
 * The colours to write to `stream`: ANSI colours only on a terminal, unless `NO_COLOR` is
 * set; `FORCE_COLOR` (other than `0`) turns them on anywhere.
 *
 * @param stream - Where the text goes.
 * @param env - The environment.
 * @returns The palette.
 */
export function paletteFor(stream: OutputStream, env: Terminal["env"]): Palette {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0";
  const enabled = forced || (stream.isTTY === true && env.NO_COLOR === undefined);
  const style = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    bold: style(1, 22),
    dim: style(2, 22),
    red: style(31, 39),
    green: style(32, 39),
    yellow: style(33, 39),
    cyan: style(36, 39),
  };
}

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
  const width = (text: string) => [...text.replace(/\u001b\[\d+m/g, "")].length;
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
