import { createVmClient, type VmClient } from '../../core/vm';
import { parseConfig, type Config } from '../../core/config';
import { createDb, type Database } from '../../db/client';

/** What the room's modules need: storage, config, a VM client and short-lived database handles. */
export interface RoomDeps {
  storage: DurableObjectStorage;
  config: Config;
  vm: VmClient;
  withDb<T>(fn: (db: Database) => Promise<T>): Promise<T>;
}

export function createRoomDeps(storage: DurableObjectStorage, env: Env): RoomDeps {
  const config = parseConfig(env);
  return {
    storage,
    config,
    vm: createVmClient({ baseUrl: config.vmApiUrl, apiKey: config.vmApiKey, fetch: fetch.bind(globalThis) }),
    async withDb(fn) {
      const { db, close } = createDb(config);
      try {
        return await fn(db);
      } finally {
        await close();
      }
    },
  };
}
