/** How `npm run sql` prints a result: an aligned text table, or one JSON object per line. */

export type Cell = string | number | boolean | null | Cell[] | { [key: string]: Cell };

function text(value: Cell): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A table with a header line, right-aligned numbers, and a row count. */
export function formatTable(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = rows.map((row) => row.map(text));
  const widths = columns.map((name, i) =>
    Math.max(name.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const numeric = columns.map(
    (_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number' || row[i] === null),
  );
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join(' | ')
      .trimEnd();
  return [
    line(columns),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...cells.map(line),
    `(${rows.length} row${rows.length === 1 ? '' : 's'})`,
  ].join('\n');
}

/** One JSON object per row (JSON lines). */
export function formatJsonLines(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return rows
    .map((row) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, row[i] ?? null]))))
    .join('\n');
}
