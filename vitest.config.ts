import { defineConfig } from 'vitest/config';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';

// One config, several projects: Node code runs in Node, Worker and Durable Object code in workerd.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: [
            'core/**/*.test.ts',
            'vm-host/**/*.test.ts',
            'scripts/**/*.test.ts',
            'test/node/**/*.test.ts',
          ],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The real product on loopback: wrangler dev, the VM host and Postgres, one stack per file.
        test: {
          name: 'stack',
          include: ['test/stack/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                DATABASE_URL: inject('databaseUrl'),
                NEON_WS_PROXY: inject('pgProxy'),
                VM_API_URL: inject('vmHostUrl'),
                // Preview traffic goes to the VM host's forwarder, as in the local stack.
                VM_FORWARD_URL: inject('vmHostForwardUrl'),
                FREESTYLE_API_KEY: inject('vmHostApiKey'),
                REPOS_DIR: inject('reposDir'),
                BETTER_AUTH_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
                BETTER_AUTH_URL: 'http://cloud-workspaces.test',
                LOCAL_MODE: 'true',
                // Two keys: the first encrypts, the second (a rotated-out one) still decrypts.
                SECRETS_ENCRYPTION_KEY:
                  'wpoD6MsWXepmc4K8amPKEwaLctpHRGT/dZB9XXJT5zo=,AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          globalSetup: ['test/workers/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
