// Layers run one way: worker/ (HTTP) -> durable-objects/ -> db/ -> core/ (platform-free).
// `npm run check` runs this; docs/architecture.md draws it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle makes two modules one: split what both need into a third.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-platform-free',
      severity: 'error',
      comment: 'core/ is imported by the browser, Node and workerd: no layer above it, no platform module.',
      from: { path: '^core/' },
      to: {
        path: [
          '^(worker|durable-objects|db|web|vm-host|scripts|desktop-electron|cli)/',
          '^cloudflare:',
          '^node:',
          '@neondatabase',
          'drizzle-orm',
          'better-auth',
        ],
      },
    },
    {
      name: 'db-below-workers',
      severity: 'error',
      comment: 'db/ is the data layer the Worker and the Durable Objects stand on; it knows neither.',
      from: { path: '^db/' },
      to: { path: '^(worker|durable-objects|web|vm-host|cli)/' },
    },
    {
      name: 'durable-objects-below-worker',
      severity: 'error',
      comment: 'The Worker calls the Durable Objects, never the other way.',
      from: { path: '^durable-objects/' },
      to: { path: '^(worker|web|cli)/' },
    },
    {
      name: 'clients-see-only-core',
      severity: 'error',
      comment: 'The web app, the desktop app and the CLI know the server only through core/.',
      from: { path: '^(web|desktop-electron|cli)/' },
      to: { path: '^(worker|durable-objects|db|vm-host|scripts)/' },
    },
    {
      name: 'vm-host-is-its-own-service',
      severity: 'error',
      comment: "The local VM host speaks Freestyle's API; it shares only core/ with the product.",
      from: { path: '^vm-host/' },
      to: { path: '^(worker|durable-objects|db|web|scripts|cli)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.d.ts'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
