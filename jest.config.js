// Two projects: fast unit specs beside the code, and end-to-end specs in test/
// that start the real app with real Chromium. The swagger transformer gives
// ts-jest the same OpenAPI metadata `nest build` produces.
const tsJest = {
  '^.+\\.ts$': [
    'ts-jest',
    {
      tsconfig: 'tsconfig.json',
      astTransformers: {
        before: ['<rootDir>/jest.swagger-transformer.js'],
      },
    },
  ],
};

module.exports = {
  maxWorkers: 2,
  // e2e specs drive a real browser; a capture that waits on purpose takes seconds
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      rootDir: '.',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.ts'],
      transform: tsJest,
      moduleFileExtensions: ['ts', 'js', 'json'],
    },
    {
      displayName: 'e2e',
      rootDir: '.',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform: tsJest,
      moduleFileExtensions: ['ts', 'js', 'json'],
    },
  ],
};
