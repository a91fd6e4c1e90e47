import * as http from 'node:http';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EgressDeniedError, EgressLookupError } from './egress.errors';
import { EgressModule } from './egress.module';
import { EgressService } from './egress.service';
import { EgressLookup } from './network-policy';
import { waitFor } from '../../test/helpers/wait';

const lookup: EgressLookup = async (host) => {
  if (host === 'public.test') return [{ address: '93.184.216.34', family: 4 }];
  if (host === 'internal.test') return [{ address: '10.1.2.3', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};

/** A forward-proxy GET through the service's proxy; resolves with status and the blocked header. */
function getViaProxy(proxyUrl: string, uri: string): Promise<{ status: number; blocked?: string }> {
  const proxy = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    http
      .get({ host: proxy.hostname, port: Number(proxy.port), path: uri, agent: false }, (res) => {
        res.resume();
        resolve({
          status: res.statusCode ?? 0,
          blocked: res.headers['x-pixashot-blocked'] as string | undefined,
        });
      })
      .on('error', reject);
  });
}

describe('EgressService', () => {
  async function start(options = { allow: [] as string[], deny: [] as string[], lookup }) {
    const moduleRef = await Test.createTestingModule({ imports: [EgressModule.forRoot(options)] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return { app, egress: app.get(EgressService) };
  }

  it('starts the proxy with the module and stops it at shutdown', async () => {
    const { app, egress } = await start();
    const url = egress.proxyUrl;
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(egress.chromeArgs()).toEqual(
        expect.arrayContaining([`--proxy-server=${url}`, '--proxy-bypass-list=<-loopback>']),
      );
      const since = Date.now();
      expect(await getViaProxy(url, 'http://169.254.169.254/latest/meta-data/')).toEqual({
        status: 403,
        blocked: '1',
      });
      // The proxy process reports the denial over its IPC channel, which can land after the 403
      // reached this in-process client: the record is waited for, not assumed.
      expect(await waitFor(() => egress.wasDenied('169.254.169.254', since), 5000, 10)).toBe(true);
      expect(egress.recentDenials(since)[0]).toMatchObject({
        host: '169.254.169.254',
        reason: expect.stringMatching(/link-local/),
      });
    } finally {
      await app.close(); // a failed expectation must not leave the proxy process running
    }
    expect(() => egress.proxyUrl).toThrow(/not started/);
    await expect(getViaProxy(url, 'http://169.254.169.254/')).rejects.toThrow(/ECONNREFUSED/);
  });

  describe('checkUrl', () => {
    let egress: EgressService;
    let close: () => Promise<void>;

    beforeAll(async () => {
      const started = await start({ allow: ['internal.test'], deny: ['blocked.example'], lookup });
      egress = started.egress;
      close = () => started.app.close();
    });
    afterAll(() => close());

    it('passes a public target', async () => {
      await expect(egress.checkUrl('https://public.test/page')).resolves.toBeUndefined();
    });

    it('passes a private target on the allow list', async () => {
      await expect(egress.checkUrl('http://internal.test:8080/')).resolves.toBeUndefined();
    });

    it.each([
      'http://127.0.0.1/',
      'http://0x7f000001/',
      'http://2130706433:8080/',
      'http://[::ffff:169.254.169.254]/',
      'http://LOCALHOST/',
      'http://blocked.example/',
      'file:///etc/passwd',
    ])('refuses %s with EgressDeniedError', async (url) => {
      await expect(egress.checkUrl(url)).rejects.toBeInstanceOf(EgressDeniedError);
    });

    it('reports a name that does not resolve as EgressLookupError', async () => {
      await expect(egress.checkUrl('https://nx.test/')).rejects.toBeInstanceOf(EgressLookupError);
    });
  });

  it('can be started before the init hooks, for a provider that needs chromeArgs() while it is built', async () => {
    const egress = new EgressService({ allow: [], deny: [] });
    expect(() => egress.chromeArgs()).toThrow(/not started/);
    await Promise.all([egress.start(), egress.start()]);
    await egress.onModuleInit();
    expect(egress.chromeArgs()[0]).toBe(`--proxy-server=${egress.proxyUrl}`);
    await egress.onApplicationShutdown();
    expect(() => egress.proxyUrl).toThrow(/not started/);
  });

  it('refuses to start with a bad entry, naming it', async () => {
    await expect(
      Test.createTestingModule({
        imports: [EgressModule.forRoot({ allow: ['10.0.0.0/99'], deny: [] })],
      }).compile(),
    ).rejects.toThrow(/NETWORK_ALLOW entry "10\.0\.0\.0\/99"/);
  });

  it('takes its options from another provider with forRootAsync', async () => {
    @Injectable()
    class FakeConfig {
      readonly networkAllow = ['127.0.0.1:9'];
    }
    @Module({ providers: [FakeConfig], exports: [FakeConfig] })
    class FakeConfigModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        EgressModule.forRootAsync({
          imports: [FakeConfigModule],
          inject: [FakeConfig],
          useFactory: (config: FakeConfig) => ({ allow: config.networkAllow, deny: [] }),
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      expect(app.get(EgressService).policy.decide('127.0.0.1', '127.0.0.1', 9).allowed).toBe(true);
    } finally {
      await app.close();
    }
  });
});
