import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { WorkspaceRoom } from '../../durable-objects/workspace-room';
import { forwardedPortsChanged } from '../../durable-objects/room/ports';
import { DEVCONTAINER_PORTS_KEY } from '../../durable-objects/room/storage-keys';
import { call, roomWithWorkspace, waitStatus } from './helpers';

// A workspace's configured ports (devcontainer.json's forwardPorts, ports whose visibility was set)
// stay listed in every status, as Codespaces keeps them: stopped, they are listed, not listening.

describe('configured ports', () => {
  it('stay listed, not listening, while the workspace is stopped, and again once it runs', async () => {
    const { user, id, stub } = await roomWithWorkspace();
    // What setup read from devcontainer.json (room/setup.ts writes it so).
    await runInDurableObject(stub, async (instance: WorkspaceRoom, state) => {
      await state.storage.put(DEVCONTAINER_PORTS_KEY, {
        forwardPorts: [3000],
        portLabels: { '3000': 'Web' },
      });
      await forwardedPortsChanged(instance['room']);
    });
    // A port nothing configured, made public by hand.
    const pub = await call(`/api/workspaces/${id}/ports/9000`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { visibility: 'public' },
    });
    expect(pub.status).toBe(200);
    const list = async () => {
      const r = await call(`/api/workspaces/${id}/ports`, { cookie: user.cookie });
      expect(r.status).toBe(200);
      return (r.json.ports as { port: number; listening: boolean; visibility: string; label?: string }[]).map(
        ({ port, listening, visibility, label }) => ({ port, listening, visibility, label }),
      );
    };
    const configured = [
      { port: 3000, listening: false, visibility: 'private', label: 'Web' },
      { port: 9000, listening: false, visibility: 'public', label: undefined },
    ];
    expect(await list()).toEqual(configured);

    const act = async (action: string, status: string) => {
      const r = await call(`/api/workspaces/${id}/${action}`, { method: 'POST', cookie: user.cookie });
      expect(r.status, JSON.stringify(r.json)).toBeLessThan(300);
      await waitStatus(user, id, status);
    };
    await act('pause', 'paused');
    expect(await list()).toEqual(configured);
    await act('stop', 'stopped');
    expect(await list()).toEqual(configured);
    // The user can still make the public one private while the workspace is stopped.
    const priv = await call(`/api/workspaces/${id}/ports/9000`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { visibility: 'private' },
    });
    expect(priv.status).toBe(200);
    expect(priv.json.port).toMatchObject({ port: 9000, listening: false, visibility: 'private' });

    await act('start', 'running');
    // Starting reads the repository's devcontainer.json again (the demo's forwards nothing); the port
    // set by hand stays.
    expect(await list()).toEqual([{ ...configured[1], visibility: 'private' }]);
  });
});
