import type { Command } from 'commander';
import { createApi, type Api } from '../api';
import { loadCredentials } from '../config';
import { CliError, Exit } from '../errors';
import { note, printJson, table } from '../output';
import { allWorkspaces, resolveWorkspace } from '../workspaces';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const apiFromLogin = () => createApi(loadCredentials());

/** Waits for `running`, saying each status on stderr; `error` ends it with the server's reason. */
async function follow(api: Api, id: string, timeoutMs = 10 * 60_000) {
  let last = '';
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const { workspace: w } = await api.workspace(id);
    const line = `${w.status}${w.statusMessage ? `: ${w.statusMessage}` : ''}`;
    if (line !== last) note(`  ${line}`);
    last = line;
    if (w.status === 'running') return w;
    if (w.status === 'error')
      throw new CliError(`Workspace "${w.name}" failed: ${w.statusMessage ?? 'no reason given'}`);
    if (w.status === 'stopped' || w.status === 'paused')
      throw new CliError(`Workspace "${w.name}" is ${w.status}.`, Exit.notRunning);
    await sleep(500);
  }
  throw new CliError('Gave up waiting for the workspace to run.', Exit.unavailable);
}

async function findRepository(api: Api, ref: string, org?: string) {
  const { organizations } = await api.me();
  const orgs = org ? organizations.filter((o) => [o.id, o.slug, o.name].includes(org)) : organizations;
  const repos = (await Promise.all(orgs.map((o) => api.repositories(o.id)))).flatMap((r) => r.repositories);
  const hits = repos.filter((r) => [r.id, r.name, r.fullName, r.url].includes(ref));
  if (hits.length === 1) return hits[0]!;
  if (hits.length === 0) {
    const known = repos.map((r) => `  ${r.fullName ?? r.name}`).join('\n') || '  (none)';
    throw new CliError(`No repository "${ref}". Yours:\n${known}`, Exit.notFound);
  }
  throw new CliError(`"${ref}" names ${hits.length} repositories; add --org.`, Exit.usage);
}

export function workspaceCommands(program: Command) {
  program
    .command('ls')
    .description('list your workspaces')
    .option('--org <org>', 'one organization (id, slug or name)')
    .option('--json', "print JSON (the API's workspace objects)")
    .action(async (o: { org?: string; json?: boolean }) => {
      const list = await allWorkspaces(apiFromLogin(), o.org);
      if (o.json) return printJson(list);
      if (list.length === 0) return note('No workspaces. `cw create <repository>` makes one.');
      console.log(
        table([
          ['NAME', 'STATUS', 'BRANCH', 'REPOSITORY', 'ID'],
          ...list.map((w) => [w.name, w.status, w.branch, w.repositoryName, w.id]),
        ]),
      );
    });

  program
    .command('create <repository>')
    .description('create a workspace of a repository (name, owner/name, URL or id) and wait until it runs')
    .option('-b, --branch <branch>', "the branch (default: the repository's default)")
    .option('--name <name>', "the workspace's name")
    .option('--org <org>', 'the organization, when the repository is in several')
    .option('--json', 'print the workspace as JSON when it runs')
    .action(async (ref: string, o: { branch?: string; name?: string; org?: string; json?: boolean }) => {
      const api = apiFromLogin();
      const repo = await findRepository(api, ref, o.org);
      const branch = o.branch ?? repo.defaultBranch;
      const { workspace } = await api.create({
        organizationId: repo.organizationId,
        repositoryId: repo.id,
        branch,
        name: o.name,
      });
      note(`Creating ${workspace.name} (${workspace.id})`);
      const w = await follow(api, workspace.id);
      if (o.json) printJson(w);
      else console.log(w.name);
    });

  const lifecycle: [string, string][] = [
    ['pause', 'pause a running workspace (its processes freeze)'],
    ['resume', 'resume a paused workspace'],
    ['stop', 'stop a paused workspace (processes end, files stay)'],
    ['start', 'start a stopped workspace'],
  ];
  for (const [action, description] of lifecycle) {
    program
      .command(`${action} <workspace>`)
      .description(description)
      .action(async (ref: string) => {
        const api = apiFromLogin();
        const w = await resolveWorkspace(api, ref);
        const { workspace } = await api.action(w.id, action);
        note(`${workspace.name}: ${workspace.status}`);
      });
  }

  program
    .command('rm <workspace>')
    .description('delete a workspace and its VM')
    .action(async (ref: string) => {
      const api = apiFromLogin();
      const w = await resolveWorkspace(api, ref);
      await api.remove(w.id);
      note(`Deleted ${w.name}.`);
    });
}
