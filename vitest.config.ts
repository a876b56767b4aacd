import { defineConfig } from 'vitest/config';

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
    ],
  },
});
