import { createServer, type AddressInfo } from 'node:net';

export function freePort(): Promise<number> {
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
