import { Hono } from 'hono';
import { desc, eq } from 'drizzle-orm';
import { mailOutbox } from '../../db/schema';
import { notFound } from '../lib/errors';
import type { AppEnv } from '../types';

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
const linkify = (s: string) => esc(s).replace(/https?:\/\/[^\s<]+/g, (u) => `<a href="${u}">${u}</a>`);

async function latest(c: { var: AppEnv['Variables'] }, to?: string) {
  if (!c.var.config.localMode) throw notFound('Page');
  return c.var.db
    .select()
    .from(mailOutbox)
    .where(to ? eq(mailOutbox.to, to) : undefined)
    .orderBy(desc(mailOutbox.createdAt))
    .limit(100);
}

/** Local mode only: the mail the Worker would have sent (verification and invitation links). */
export const devOutbox = new Hono<AppEnv>()
  .get('/outbox.json', async (c) => c.json({ mail: await latest(c, c.req.query('to')) }, 200))
  .get('/outbox', async (c) => {
    const rows = await latest(c);
    const items = rows
      .map(
        (m) =>
          `<article><h2>${esc(m.subject)}</h2><p class="meta">to ${esc(m.to)} · ${m.createdAt.toISOString()}</p><pre>${linkify(m.text)}</pre></article>`,
      )
      .join('');
    return c.html(
      `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Outbox</title>` +
        `<style>body{font:14px system-ui;margin:24px auto;max-width:720px;padding:0 16px}article{border:1px solid #ddd;border-radius:8px;padding:12px 16px;margin:12px 0}h2{font-size:15px;margin:0}.meta{color:#666;margin:4px 0}pre{white-space:pre-wrap;word-break:break-all}</style>` +
        `<h1>Local outbox</h1><p>Mail the server would send, newest first (local mode only).</p>${items || '<p>No mail yet.</p>'}`,
    );
  });
