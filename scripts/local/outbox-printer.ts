// `npm start` prints each mail the local Worker writes to its outbox (verification and invitation
// links), so signing up and inviting work without a mail provider.

interface OutboxMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  createdAt: string;
}

export function printOutbox(baseUrl: string, log: (line: string) => void, everyMs = 1500): () => void {
  const seen = new Set<string>();
  let first = true;
  const poll = async () => {
    try {
      const res = await fetch(`${baseUrl}/api/dev/outbox.json`);
      if (!res.ok) return;
      const { mail } = (await res.json()) as { mail: OutboxMail[] };
      for (const m of [...mail].reverse()) {
        if (seen.has(m.id)) continue;
        seen.add(m.id);
        // Mail from earlier runs is in the outbox page, not repeated here.
        if (!first) log(`\n  Mail to ${m.to}: ${m.subject}\n    ${m.text.replace(/\n+/g, '\n    ')}\n`);
      }
      first = false;
    } catch {
      // the Worker is restarting or stopping
    }
  };
  void poll();
  const timer = setInterval(poll, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
