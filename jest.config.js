// Two projects: fast unit specs beside the code, and end-to-end specs in test/
// that start the real app with real Chromium. The swagger transformer gives
// ts-jest the same OpenAPI metadata `nest build` produces.
const tsJest = {
  '^.+\\.ts$': [
    'ts-jest',
    {
      tsconfig: 'tsconfig.json',
      astTransformers: {
        before: [
          {
            path: '@nestjs/swagger/plugin',
            options: { classValidatorShim: true, introspectComments: true, dtoFileNameSuffix: ['.dto.ts'] },
          },
        ],
      },
    },
  ],
};

module.exports = {
  maxWorkers: 2,
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
      testTimeout: 120000,
    },
  ],
};
