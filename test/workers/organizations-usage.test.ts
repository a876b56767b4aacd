import { describe, expect, it } from 'vitest';
import { addMember, call, createApiKey, createOrg, runningWorkspace, signUp, type TestUser } from './helpers';

const ms = (iso: string) => new Date(iso).getTime();

describe("an organization's usage", () => {
  it('counts running and paused seconds exactly from the status changes, by workspace, user and day, and as CSV', async () => {
    const user = await signUp('Usage Owner');
    const org = await createOrg(user);
    const from = new Date(Date.now() - 60_000).toISOString();
    const ws = await runningWorkspace(user, org);
    const act = async (action: string) => {
      const r = await call(`/api/workspaces/${ws.id}/${action}`, { cookie: user.cookie, method: 'POST' });
      expect(r.status).toBe(200);
      return ms(r.json.workspace.statusChangedAt);
    };
    const running1 = ms(ws.statusChangedAt);
    const paused1 = await act('pause');
    const running2 = await act('resume');
    const paused2 = await act('pause');
    const stopped = await act('stop');
    const to = new Date(Date.now() + 60_000).toISOString();
    const running = (paused1 - running1 + (paused2 - running2)) / 1000;
    const paused = (running2 - paused1 + (stopped - paused2)) / 1000;

    const q = (groupBy: string, cookie = user.cookie) =>
      call(`/api/organizations/${org}/usage?from=${from}&to=${to}&groupBy=${groupBy}`, { cookie });
    const byWorkspace = await q('workspace');
    expect(byWorkspace.status).toBe(200);
    expect(byWorkspace.json.rows).toEqual([
      { key: ws.id, label: ws.name, runningSeconds: running, pausedSeconds: paused },
    ]);
    expect(byWorkspace.json.totals).toEqual({ runningSeconds: running, pausedSeconds: paused });
    const byUser = await q('user');
    expect(byUser.json.rows).toEqual([
      { key: user.id, label: 'Usage Owner', runningSeconds: running, pausedSeconds: paused },
    ]);
    const byDay = await q('day');
    expect(byDay.json.totals).toEqual({ runningSeconds: running, pausedSeconds: paused });

    // A range that cuts the first running stretch counts only its part inside.
    const cut = new Date(running1 + 1).toISOString();
    const clipped = await call(`/api/organizations/${org}/usage?from=${cut}&to=${to}`, {
      cookie: user.cookie,
    });
    expect(clipped.json.totals.runningSeconds).toBeCloseTo(running - 0.001, 3);

    const csv = await call(`/api/organizations/${org}/usage.csv?from=${from}&to=${to}&groupBy=workspace`, {
      cookie: user.cookie,
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const [head, row] = String(csv.json).trim().split('\r\n');
    expect(head).toBe('workspace,label,running_seconds,paused_seconds,running_hours,paused_hours');
    expect(row).toContain(`${ws.id},${ws.name},${running},${paused}`);

    // Deleting the workspace does not make its usage disappear.
    expect((await call(`/api/workspaces/${ws.id}`, { cookie: user.cookie, method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await q('workspace')).json.totals).toEqual({ runningSeconds: running, pausedSeconds: paused });
  });

  it('is refused to outsiders and anonymous callers, and names a bad range', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    const stranger = await signUp();
    expect((await call(`/api/organizations/${org}/usage`, { cookie: stranger.cookie })).status).toBe(404);
    expect((await call(`/api/organizations/${org}/usage.csv`, { cookie: stranger.cookie })).status).toBe(404);
    expect((await call(`/api/organizations/${org}/usage`)).status).toBe(401);
    const bad = await call(`/api/organizations/${org}/usage?from=2026-02-01&to=2026-01-01`, {
      cookie: user.cookie,
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'validation_error', field: 'from' });
    const group = await call(`/api/organizations/${org}/usage?groupBy=planet`, { cookie: user.cookie });
    expect(group.json.error.field).toBe('groupBy');
  });
});

describe("an organization's audit log", () => {
  it('pages newest first for owners and their API keys, 403 for members, 404 for outsiders', async () => {
    const owner = await signUp('Audit Owner');
    const org = await createOrg(owner);
    const ws = await runningWorkspace(owner, org);
    for (const action of ['pause', 'resume', 'pause']) {
      await call(`/api/workspaces/${ws.id}/${action}`, { cookie: owner.cookie, method: 'POST' });
    }
    const seen: { id: string; action: string; createdAt: string }[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page: any = await call(
        `/api/organizations/${org}/audit?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { cookie: owner.cookie },
      );
      expect(page.status).toBe(200);
      seen.push(...page.json.events);
      cursor = page.json.nextCursor;
      if (!cursor) break;
    }
    expect(seen.map((e) => e.action)).toEqual(['pause', 'resume', 'pause', 'provisioned', 'create']);
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
    expect(seen[0]).toMatchObject({ workspaceId: ws.id, workspaceName: ws.name, actorName: 'Audit Owner' });

    // Keys act in one organization, with their permissions: an admin key of this one.
    const key = await createApiKey(owner, org, ['admin']);
    expect((await call(`/api/organizations/${org}/audit`, { apiKey: key })).status).toBe(200);

    const member = await signUp();
    await addMember(owner, org, member);
    const refused = await call(`/api/organizations/${org}/audit`, { cookie: member.cookie });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('forbidden');
    const stranger = await signUp();
    expect((await call(`/api/organizations/${org}/audit`, { cookie: stranger.cookie })).status).toBe(404);
    const bad = await call(`/api/organizations/${org}/audit?cursor=nope`, { cookie: owner.cookie });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('cursor');
  });
});
