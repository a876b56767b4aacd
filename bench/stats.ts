/** Small helpers shared by the terminal bench's sections. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export const median = (xs: number[]) => pct(xs, 50);

/** Table cells: two decimals. */
export const f = (n: number) => n.toFixed(2);
