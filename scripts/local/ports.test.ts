import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { choosePort, freePort } from './ports';

// A second `npm start` on the same machine used to fail: the embedded Postgres always took 54329.
const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function occupied(): Promise<number> {
  const port = await freePort();
  const server = createServer();
  servers.push(server);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return port;
}

describe('freePort', () => {
  it("hands out a free port below the kernel's ephemeral range, which outgoing connections take", async () => {
    const start = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(start);
    }
    expect(new Set(ports).size).toBeGreaterThan(1);
  });
});

describe('choosePort', () => {
  it('takes the usual port when it is free', async () => {
    const port = await freePort();
    expect(await choosePort('POSTGRES_PORT', port, {})).toEqual({ port });
  });

  it('takes a free one when the usual port is in use, and says how to choose', async () => {
    const busy = await occupied();
    const chosen = await choosePort('POSTGRES_PORT', busy, {});
    expect(chosen.port).not.toBe(busy);
    expect(chosen.note).toContain('POSTGRES_PORT');
  });

  it('refuses a port the variable names when it is in use, naming the variable', async () => {
    const busy = await occupied();
    await expect(choosePort('POSTGRES_PORT', 54329, { POSTGRES_PORT: String(busy) })).rejects.toThrow(
      /POSTGRES_PORT/,
    );
  });
});
