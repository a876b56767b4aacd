/** Quotes one argument for a POSIX shell: nothing inside it is interpreted, whatever it holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
