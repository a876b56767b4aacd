import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';

// Ports handed out for a server to bind later come from below Linux's ephemeral range (32768-60999 by
// default): a port the kernel picks for listen(0) is in that range, and until the server binds it, any
// outgoing connection on this busy machine can take it as its local port (a stack's Postgres then
// failed with "could not create any TCP/IP sockets"). Random, so stacks starting at once rarely meet.
const LOW = 20_000;

/** The first port of the kernel's ephemeral range (outgoing connections' local ports). */
function ephemeralStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
}

export async function freePort(): Promise<number> {
  const high = ephemeralStart() - 1;
  if (!(high > LOW)) return anyFreePort();
  for (let i = 0; i < 50; i++) {
    const port = LOW + Math.floor(Math.random() * (high - LOW + 1));
    if (await isPortFree(port)) return port;
  }
  return anyFreePort();
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * The port named by the environment variable `name` (it must be free: the message names the variable),
 * else `preferred` if free, else any free port (a second stack on this machine).
 */
export async function choosePort(
  name: string,
  preferred: number,
  env: Record<string, string | undefined> = process.env,
): Promise<{ port: number; note?: string }> {
  const given = env[name];
  if (given) {
    const port = Number(given);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`${name}=${given} is not a port.`);
    if (!(await isPortFree(port))) {
      throw new Error(`Port ${port} (${name}) is in use. Stop what uses it or set ${name} to another port.`);
    }
    return { port };
  }
  if (await isPortFree(preferred)) return { port: preferred };
  const port = await freePort();
  return {
    port,
    note: `port ${preferred} is in use (another stack?), so ${port} is used; set ${name} to choose`,
  };
}
