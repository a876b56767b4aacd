import { startVmHost } from './server';

// `tsx vm-host/src/main.ts`: configured by env, stops cleanly on SIGINT/SIGTERM (VM state is kept).
const apiKey = process.env.VM_HOST_API_KEY;
if (!apiKey) {
  console.error('[vm-host] VM_HOST_API_KEY is required');
  process.exit(2);
}

const port = Number(process.env.VM_HOST_PORT ?? 8790);
const host = await startVmHost({
  port,
  // The next port by default; with a picked API port (0), a picked one too.
  forwardPort: Number(process.env.VM_HOST_FORWARD_PORT ?? (port ? port + 1 : 0)),
  dataDir: process.env.VM_HOST_DATA_DIR ?? '.data/vm-host',
  apiKey,
  sshPort: Number(process.env.VM_HOST_SSH_PORT ?? 2222),
  readonlyPaths: (process.env.VM_HOST_READONLY_PATHS ?? '').split(':').filter(Boolean),
  memoryMiB: Number(process.env.VM_HOST_MEMORY_MIB) || undefined,
  diskMiB: Number(process.env.VM_HOST_DISK_MIB) || undefined,
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.log(`[vm-host] ${sig}: stopping VM processes`);
    host.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
