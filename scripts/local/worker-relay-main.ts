import { findUserWorker, isOurWorker, startWorkerRelay } from './worker-direct';

// The relay to the Worker behind wrangler's dev proxy (worker-direct.ts) as a process of its own (see
// supervisor.ts): CW_RELAY_PORT, and CW_DEV_PORT, the `wrangler dev` port whose Worker it reaches.
await startWorkerRelay({
  port: Number(process.env.CW_RELAY_PORT),
  find: () => findUserWorker(Number(process.env.CW_DEV_PORT), isOurWorker),
});
console.log(`[worker-relay] ready on 127.0.0.1:${process.env.CW_RELAY_PORT}`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => process.exit(0)); // kept-alive connections would hold a close() open
}
