// ts-jest hook for the @nestjs/swagger CLI plugin, so specs see the same
// OpenAPI metadata that `nest build` compiles in (see the NestJS docs on
// "SWC/Jest and the CLI plugin"). Options match nest-cli.json.
const transformer = require('@nestjs/swagger/plugin');

module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (cs) =>
  transformer.before(
    { classValidatorShim: true, introspectComments: true, dtoFileNameSuffix: ['.dto.ts'] },
    cs.program,
  );
