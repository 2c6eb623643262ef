/**
 * Four projects (see README, "Tests"): unit needs no services; integration, e2e and faults talk to
 * the real Kafka broker and Redis server, which the global setup starts through tooling/infra/
 * when they are not already up (and stops again afterwards only if it started them).
 */

// ESM-only packages are compiled to CommonJS for Jest along with our TypeScript.
const esmOnly = [
  '@middy',
  'satellite\\.js',
  'cockatiel',
  'p-wait-for',
  'p-timeout',
  'get-port',
  'hyparquet-writer',
  'hyparquet',
];

/** @type {import('jest').Config} */
const shared = {
  transform: {
    // The dashboard's script and stylesheet are imported as text, as esbuild's `text` loader does.
    '^.+\\.(browser\\.js|css)$': '<rootDir>/tooling/build/text-import-jest.cjs',
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper: {
    '^#contracts/(.*)$': '<rootDir>/contracts/$1',
    '^#lib/(.*)$': '<rootDir>/lib/$1',
    '^#state/(.*)$': '<rootDir>/state/$1',
    // satellite.js exports only an "import" condition; Jest resolves with "require".
    '^satellite\\.js$': '<rootDir>/node_modules/satellite.js/dist/index.js',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json', 'css'],
  // Node, with the functions' JSON log and metric lines shown only for a failing test.
  testEnvironment: '<rootDir>/tests/support/quiet-environment.cjs',
};

/** @type {import('jest').Config} */
const config = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
      slowTestThreshold: 30,
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
      slowTestThreshold: 60,
    },
    {
      ...shared,
      // Faults injected into a real pipeline on a private redis-server (tests/faults/).
      displayName: 'faults',
      testMatch: ['<rootDir>/tests/faults/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
      slowTestThreshold: 300,
    },
  ],
  testTimeout: 60_000,
  // Two cores: one worker per core keeps the broker responsive.
  maxWorkers: 2,
};

export default config;
