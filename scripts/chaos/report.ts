// What the chaos run found: one line per check, "held" or "BROKE" with what was seen.

export interface Finding {
  area: string;
  check: string;
  held: boolean;
  seen: string;
}

export class Report {
  readonly findings: Finding[] = [];

  add(area: string, check: string, held: boolean, seen: string) {
    this.findings.push({ area, check, held, seen });
    console.log(`  ${held ? 'held ' : 'BROKE'}  ${check}${seen ? `  (${seen})` : ''}`);
  }

  section(area: string) {
    console.log(`\n${area}`);
    return (check: string, held: boolean, seen = '') => this.add(area, check, held, seen);
  }

  summary(): number {
    const broke = this.findings.filter((f) => !f.held);
    console.log(`\n${this.findings.length - broke.length} held, ${broke.length} broke.`);
    return broke.length;
  }
}
