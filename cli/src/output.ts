/** Plain aligned columns for humans; `--json` prints the API's shapes instead. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export const printJson = (v: unknown): void => void process.stdout.write(JSON.stringify(v, null, 2) + '\n');
export const note = (line: string): void => void process.stderr.write(line + '\n');
