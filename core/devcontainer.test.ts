import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandScript, parseDevcontainer } from './devcontainer';
import { setupDefinitionHash, setupPlan } from './setup-plan';

const ok = (text: string) => {
  const r = parseDevcontainer(text);
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.config;
};
/** Runs a script in bash and returns its output and exit code, as the Setup window would. */
const bash = (script: string) => {
  try {
    return { out: execFileSync('bash', ['-c', script], { encoding: 'utf8' }), code: 0 };
  } catch (e) {
    const err = e as { stdout: string; status: number };
    return { out: err.stdout, code: err.status };
  }
};

describe('devcontainer.json parsing', () => {
  it('reads a string command, run by the shell', () => {
    const c = ok('{ "postCreateCommand": "echo one && echo two" }');
    expect(c.postCreateCommand).toBe('echo one && echo two');
    expect(bash(commandScript(c.postCreateCommand!)).out).toBe('one\ntwo\n');
  });

  it('reads an array as argv: no shell interprets it', () => {
    const c = ok('{ "postCreateCommand": ["echo", "$HOME && rm -rf /", "b c"] }');
    expect(c.postCreateCommand).toEqual(['echo', '$HOME && rm -rf /', 'b c']);
    expect(bash(commandScript(c.postCreateCommand!)).out).toBe('$HOME && rm -rf / b c\n');
  });

  it('reads an object of named commands and runs them in parallel, failing if one fails', () => {
    const c = ok('{ "postStartCommand": { "a": "sleep 0.3; echo a", "b": ["echo", "b"], "c": "exit 4" } }');
    expect(c.postStartCommand).toEqual({ a: 'sleep 0.3; echo a', b: ['echo', 'b'], c: 'exit 4' });
    const started = Date.now();
    const r = bash(commandScript(c.postStartCommand!));
    expect(r.code).toBe(4);
    // b finished before a: they ran side by side.
    expect(r.out.indexOf('\nb\n')).toBeLessThan(r.out.indexOf('\na\n'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(bash(commandScript({ x: 'true', y: 'true' })).code).toBe(0);
  });

  it('accepts comments and trailing commas', () => {
    const c = ok(`{
      // the image is for Codespaces
      "image": "mcr.microsoft.com/devcontainers/base",
      /* block */ "postCreateCommand": "npm ci",
      "containerEnv": { "A": "1", "B": "2", },
      "remoteEnv": { "B": "remote", "C": null },
      "forwardPorts": [3000, "db:5432",],
      "portsAttributes": { "3000": { "label": "Web app" } },
      "features": {},
    }`);
    expect(c.postCreateCommand).toBe('npm ci');
    expect(c.env).toEqual({ A: '1', B: 'remote' });
    expect(c.forwardPorts).toEqual([3000, 5432]);
    expect(c.portLabels).toEqual({ '3000': 'Web app' });
    expect(c.ignored).toEqual(['image', 'features']);
  });

  it('names the line and column of a syntax error', () => {
    const r = parseDevcontainer(
      '{\n  "postCreateCommand": "npm ci"\n  "image": "x"\n}',
      '.devcontainer.json',
    );
    expect(r).toMatchObject({
      kind: 'malformed',
      path: '.devcontainer.json',
      line: 3,
      column: 3,
      message: 'comma expected',
    });
  });

  it('names where a field has the wrong type', () => {
    const r = parseDevcontainer('{\n  "postCreateCommand": 42\n}');
    expect(r).toMatchObject({ kind: 'malformed', line: 2, column: 24 });
    expect((r as { message: string }).message).toMatch(/postCreateCommand must be/);
    expect(parseDevcontainer('{ "containerEnv": { "1BAD": "x" } }')).toMatchObject({ kind: 'malformed' });
    expect(parseDevcontainer('[1, 2]')).toMatchObject({ kind: 'malformed', line: 1, column: 1 });
    expect(parseDevcontainer('')).toMatchObject({ kind: 'malformed' });
  });

  it('a missing file is not an error', () => {
    expect(parseDevcontainer(null)).toEqual({ kind: 'missing' });
  });
});

describe('setup plan', () => {
  it('runs postCreate then postStart on create, postStart alone on start', () => {
    const dc = parseDevcontainer(
      '{ "postCreateCommand": "echo made", "postStartCommand": ["echo", "started"], "containerEnv": { "GREETING": "hi there" } }',
    );
    const create = setupPlan(dc, 'ignored when the file has a postCreateCommand', 'create');
    expect(create.command).toBe('echo made && echo started');
    const start = setupPlan(dc, null, 'start');
    expect(start.command).toBe('echo started');
    const r = bash(create.script!.replace(/^cd .*\n/, '') + '');
    expect(r.code).toBe(0);
    expect(r.out).toContain('made\n');
    expect(r.out).toContain('started\n');
    expect(bash(`${create.script!.split('\n').slice(1).join('\n')}\necho "$GREETING"`).out).toContain(
      'hi there',
    );
  });

  it('falls back to the repository setup command, and reports a malformed file', () => {
    const plan = setupPlan(parseDevcontainer('{ oops'), 'make setup', 'create');
    expect(plan.command).toBe('make setup');
    expect(plan.problem).toMatchObject({ line: 1 });
    expect(setupPlan(parseDevcontainer(null), null, 'create').script).toBeNull();
    expect(setupPlan(parseDevcontainer(null), 'make setup', 'start').script).toBeNull();
  });

  it('stops at the first failing step with its exit code', () => {
    const plan = setupPlan(
      parseDevcontainer('{ "postCreateCommand": "exit 3", "postStartCommand": "echo never" }'),
      null,
      'create',
    );
    const r = bash(plan.script!.split('\n').slice(1).join('\n'));
    expect(r.code).toBe(3);
    expect(r.out).not.toContain('never');
    expect(r.out).toContain('postCreateCommand failed (exit 3)');
  });

  it('hashes the file and the setup command together', async () => {
    const a = await setupDefinitionHash('{}', null);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await setupDefinitionHash('{}', null)).toBe(a);
    expect(await setupDefinitionHash('{ }', null)).not.toBe(a);
    expect(await setupDefinitionHash('{}', 'make')).not.toBe(a);
  });
});
