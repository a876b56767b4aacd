import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { createApi } from '../api';
import { browserLogin } from '../browser-login';
import { loadCredentials, removeCredentials, saveCredentials } from '../config';
import { CliError, Exit } from '../errors';
import { note, printJson } from '../output';

async function askKey(url: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').trim();
  }
  note(`Create an API key in ${url} (Settings, API keys), then paste it here.`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question('API key: ')).trim();
  } finally {
    rl.close();
  }
}

export function accountCommands(program: Command) {
  program
    .command('login')
    .description(
      'sign in: in the browser (a terminal), or with a key pasted (--paste), piped or given (--key); stored readable by you only',
    )
    .option('--url <url>', 'the Cloud Workspaces address', process.env.CW_URL ?? 'http://127.0.0.1:8787')
    .option('--key <key>', 'the API key')
    .option('--paste', 'paste a key made in the web app instead of opening the browser')
    .option('--web', 'open the browser even when stdin is not a terminal')
    .action(async (o: { url: string; key?: string; paste?: boolean; web?: boolean }) => {
      const url = o.url.replace(/\/+$/, '');
      const inBrowser = !o.key && !o.paste && (o.web || process.stdin.isTTY);
      const key = o.key ?? (inBrowser ? await browserLogin(url) : await askKey(url));
      if (!key) throw new CliError('No API key given.', Exit.usage);
      const me = await createApi({ url, key }).me();
      saveCredentials({ url, key });
      note(`Signed in to ${url} as ${me.user.email}.`);
    });

  program
    .command('logout')
    .description('forget the stored API key (it stays valid until deleted in the web app)')
    .action(() => note(removeCredentials() ? 'Signed out.' : 'Not signed in.'));

  program
    .command('whoami')
    .description('who the stored key signs in as, and their organizations')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const creds = loadCredentials();
      const me = await createApi(creds).me();
      if (o.json) return printJson({ url: creds.url, ...me });
      console.log(`${me.user.name} <${me.user.email}> on ${creds.url}`);
      for (const org of me.organizations) console.log(`  ${org.name} (${org.slug}, ${org.role})`);
    });
}
