import { mailOutbox } from '../../db/schema';
import type { Database } from '../../db/client';
import type { Config } from '../../core/config';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export type Mailer = (mail: Mail) => Promise<void>;

/**
 * Production sends through the configured provider (MAIL_API_URL takes Resend's JSON shape:
 * `{ from, to, subject, text }` with `Authorization: Bearer MAIL_API_KEY`). Local mode without a
 * provider writes to the outbox table (`npm start` prints it, /dev/outbox shows it).
 */
export function createMailer(config: Config, db: Database): Mailer {
  const mail = config.mail;
  if (mail) {
    return async ({ to, subject, text }) => {
      const res = await fetch(mail.apiUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${mail.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ from: mail.from, to, subject, text }),
      });
      // The provider's answer may hold account details: log the status only.
      if (!res.ok) throw new Error(`the mail provider answered ${res.status}`);
      await res.body?.cancel();
    };
  }
  if (config.localMode) {
    return async (m) => {
      await db.insert(mailOutbox).values(m);
    };
  }
  return async ({ subject }) => {
    console.error(`No mail provider is configured (MAIL_FROM, MAIL_API_KEY): "${subject}" was not sent.`);
  };
}
