/** `'...'` strings, `"..."` identifiers, `--` and `/* *\/` comments, or one `?`. */
const TOKEN = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|\?/g;

/**
 * Rewrites each `?` placeholder of a statement (outside quotes and comments), in order.
 *
 * @param sql - A statement with `?` placeholders, as the store writes them.
 * @param rewrite - Given a placeholder's index (0 for the first), returns its new text.
 * @returns The statement with every placeholder rewritten; the rest is unchanged.
 * @internal
 */
export function rewritePlaceholders(sql: string, rewrite: (index: number) => string): string {
  let count = 0;
  return sql.replace(TOKEN, (token) => (token === "?" ? rewrite(count++) : token));
}
