import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startApp, TestApp } from './helpers/app';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

/**
 * The OpenAPI document as a client generator sees it: Redocly's recommended
 * rules pass without a warning, and a typed client generated from
 * /docs-json (openapi-typescript + openapi-fetch) compiles and captures.
 */
describe('OpenAPI document (/docs-json)', () => {
  let svc: TestApp;
  let dir: string;

  beforeAll(async () => {
    svc = await startApp();
    // Under node_modules/.cache so that tsc and node resolve openapi-fetch from the repo's node_modules.
    mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
    dir = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'openapi-client-'));
    const doc = await svc.http().get('/docs-json');
    expect(doc.status).toBe(200);
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc.body));
  });

  afterAll(async () => {
    await svc?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes Redocly's recommended ruleset with no errors and no warnings", async () => {
    // The recommended ruleset with one rule off: no-ambiguous-paths flags the contract's own pair
    // /captures/batch/{batch_id} and /captures/{id}/result (a job id "batch" would fit both). Job ids
    // are UUIDs and the batch route is declared first, so the router never confuses them.
    writeFileSync(
      join(dir, 'redocly.yaml'),
      'extends:\n  - recommended\nrules:\n  no-ambiguous-paths: off\n',
    );
    const { stdout } = await run(bin('redocly'), ['lint', join(dir, 'openapi.json'), '--format=json'], {
      cwd: dir,
    }).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`redocly lint failed:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    });
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string }[];
    };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('documents every error answer as the JSON envelope only, and public routes as needing no credentials', async () => {
    const doc = (await svc.http().get('/docs-json')).body;
    for (const [path, operations] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, operation] of Object.entries<any>(operations)) {
        for (const [status, response] of Object.entries<any>(operation.responses)) {
          if (Number(status) < 400) continue;
          expect({ path, method, status, media: Object.keys(response.content ?? {}) }).toEqual({
            path,
            method,
            status,
            media: ['application/json'],
          });
        }
      }
    }
    expect(doc.paths['/health/ready'].get.security).toEqual([]);
    // METRICS_AUTH decides at run time: open, or a bearer token
    expect(doc.paths['/metrics'].get.security).toEqual([{}, { bearer: [] }]);
    expect(doc.paths['/capture'].post.security).toEqual([{ bearer: [] }]);
  });

  it('generates a typed client that compiles and runs a capture', async () => {
    // Fields with a default may be left out of a request (openapi-typescript would make them required).
    const generate = [
      join(dir, 'openapi.json'),
      '-o',
      join(dir, 'schema.d.ts'),
      '--default-non-nullable=false',
    ];
    await run(bin('openapi-typescript'), generate);
    writeFileSync(
      join(dir, 'client.ts'),
      `import createClient from 'openapi-fetch';
import type { paths } from './schema';

async function main(baseUrl: string) {
  const client = createClient<paths>({ baseUrl });
  const { data, error, response } = await client.POST('/capture', {
    body: {
      html_content: '<body style="margin:0;background:#0a0">typed</body>',
      format: 'png',
      response_type: 'json',
      window_width: 320,
      window_height: 200,
      wait_for_network: 'none',
    },
  });
  if (error || !data) throw new Error('capture failed: ' + response.status);
  // one 200 in several media types: the JSON one is an object, the others are text or bytes
  if (typeof data !== 'object') throw new Error('expected the JSON variant');
  const png: Buffer = Buffer.from(data.file, 'base64');
  console.log(JSON.stringify({ status: response.status, format: data.format, width: data.metadata.width, height: data.metadata.height, magic: png.subarray(1, 4).toString('latin1') }));
}

main(process.argv[2]).catch((err) => {
  console.error(err);
  process.exit(1);
});
`,
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'commonjs',
          moduleResolution: 'node10',
          strict: true,
          esModuleInterop: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          outDir: 'out',
        },
        files: ['client.ts'],
      }),
    );
    await run(bin('tsc'), ['-p', join(dir, 'tsconfig.json')]).catch((err: { stdout?: string }) => {
      throw new Error(`the generated client does not compile:\n${err.stdout ?? ''}`);
    });
    const { port } = svc.app.getHttpServer().address() as { port: number };
    const { stdout } = await run(process.execPath, [
      join(dir, 'out', 'client.js'),
      `http://127.0.0.1:${port}`,
    ]);
    expect(JSON.parse(stdout)).toEqual({ status: 200, format: 'png', width: 320, height: 200, magic: 'PNG' });
  });
});
