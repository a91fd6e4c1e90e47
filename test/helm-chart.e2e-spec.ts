// The deployment side: the Helm chart rendered by the real helm (v4), and the Dockerfile,
// read as text since there is no Docker engine to build it here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppConfig } from '../src/config/app-config';
import {
  CHART_DIR,
  findOne,
  helmLint,
  helmTemplate,
  helmVersion,
  K8sObject,
  readYaml,
  renderChart,
  REPO_ROOT,
} from './helpers/helm';

const FULL_VALUES = 'helm/pixashot/ci/full-values.yaml';

// The app's non-secret configuration and its documented defaults (CHROME_PATH: the image's chromium-headless-shell).
// Empty: unset by default.
const DOCUMENTED_CONFIG: Record<string, string> = {
  PORT: '8080',
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  CHROME_PATH: '/usr/lib/chromium/chromium-headless-shell',
  CHROME_SANDBOX: 'false',
  BROWSER_POOL_MIN: '1',
  BROWSER_POOL_MAX: '2',
  BROWSER_MAX_CONCURRENT_PAGES: '4',
  BROWSER_MAX_USES: '1000',
  BROWSER_CLOSE_WAIT_MS: '150',
  BROWSER_LAUNCH_TIMEOUT_MS: '30000',
  MAX_CONCURRENT_CAPTURES: '4',
  MAX_QUEUE: '32',
  REQUEST_TIMEOUT_MS: '90000',
  MAX_WAIT_TIMEOUT_MS: '120000',
  MAX_CAPTURE_HEIGHT: '16384',
  MAX_CAPTURE_PIXELS: '40000000',
  MAX_PDF_BYTES: '52428800',
  MAX_HTML_OUTPUT_BYTES: '20971520',
  MAX_HTML_BYTES: '5242880',
  REQUEST_BODY_TIMEOUT_MS: '30000',
  MAX_PRINCIPAL_SHARE: '50',
  MAX_SIGNED_PER_IP: '2',
  SIGNED_URL_MAX_TTL: '86400',
  RATE_LIMIT_ENABLED: 'true',
  RATE_LIMIT_CAPTURE: '5 per second',
  RATE_LIMIT_SIGNED: '10 per second',
  TRUST_PROXY: '',
  NETWORK_ALLOW: '',
  NETWORK_DENY: '',
  SHUTDOWN_GRACE_MS: '30000',
  METRICS_ENABLED: 'true',
  METRICS_AUTH: 'false',
  DOCS_ENABLED: 'true',
  USE_POPUP_BLOCKER: 'true',
  USE_COOKIE_BLOCKER: 'false',
  CACHE_MAX_SIZE: '500',
  CACHE_MAX_BYTES: '268435456',
  CACHE_MAX_TTL: '86400',
  CACHE_DEFAULT_TTL: '3600',
  CACHE_MAX_ENTRY_BYTES: '10485760',
  ASYNC_ENABLED: 'true',
  ASYNC_CONCURRENCY: '2',
  JOB_MAX_ATTEMPTS: '3',
  JOB_RESULT_TTL: '86400',
  JOB_MAX_RESULT_BYTES: '10485760',
  JOB_STALLED_INTERVAL_MS: '30000',
  WEBHOOK_MAX_ATTEMPTS: '5',
  WEBHOOK_TIMEOUT_MS: '10000',
  WEBHOOK_ALLOW: '',
  STORAGE_S3_BUCKET: '',
  STORAGE_S3_ENDPOINT: '',
  STORAGE_S3_REGION: '',
};
const SECRET_ENV = ['AUTH_TOKEN', 'AUTH_TOKENS', 'URL_SIGNING_SECRET', 'REDIS_URL', 'WEBHOOK_SIGNING_SECRET'];

// Every variable set to something other than its default, as a values file would hold it.
const EVERY_CONFIG_CHANGED: Record<string, string | number | boolean> = {
  PORT: 9090,
  NODE_ENV: 'development',
  LOG_LEVEL: 'debug',
  CHROME_PATH: '/opt/chrome/chrome',
  CHROME_SANDBOX: true,
  BROWSER_POOL_MIN: 2,
  BROWSER_POOL_MAX: 5,
  BROWSER_MAX_CONCURRENT_PAGES: 6,
  BROWSER_MAX_USES: 2000,
  BROWSER_CLOSE_WAIT_MS: 0,
  BROWSER_LAUNCH_TIMEOUT_MS: 45000,
  MAX_CONCURRENT_CAPTURES: 12,
  MAX_QUEUE: 100,
  REQUEST_TIMEOUT_MS: 60000,
  MAX_WAIT_TIMEOUT_MS: 50000,
  MAX_CAPTURE_HEIGHT: 32768,
  MAX_CAPTURE_PIXELS: 20000000,
  MAX_PDF_BYTES: 10485760,
  MAX_HTML_OUTPUT_BYTES: 1048576,
  MAX_HTML_BYTES: 10485760,
  REQUEST_BODY_TIMEOUT_MS: 10000,
  MAX_PRINCIPAL_SHARE: 25,
  MAX_SIGNED_PER_IP: 4,
  SIGNED_URL_MAX_TTL: 3600,
  RATE_LIMIT_ENABLED: false,
  RATE_LIMIT_CAPTURE: '100 per minute',
  RATE_LIMIT_SIGNED: '1000 per hour',
  TRUST_PROXY: '10.0.0.0/8,fd00::/8',
  NETWORK_ALLOW: '10.1.2.3/32,fixtures.internal:8443',
  NETWORK_DENY: '203.0.113.0/24',
  SHUTDOWN_GRACE_MS: 20000,
  METRICS_ENABLED: false,
  METRICS_AUTH: true,
  DOCS_ENABLED: false,
  USE_POPUP_BLOCKER: false,
  USE_COOKIE_BLOCKER: true,
  CACHE_MAX_SIZE: 0,
  CACHE_MAX_BYTES: 1073741824,
  CACHE_MAX_TTL: 172800,
  CACHE_DEFAULT_TTL: 60,
  CACHE_MAX_ENTRY_BYTES: 1048576,
  ASYNC_ENABLED: false,
  ASYNC_CONCURRENCY: 0,
  JOB_MAX_ATTEMPTS: 5,
  JOB_RESULT_TTL: 3600,
  JOB_MAX_RESULT_BYTES: 2097152,
  JOB_STALLED_INTERVAL_MS: 10000,
  WEBHOOK_MAX_ATTEMPTS: 8,
  WEBHOOK_TIMEOUT_MS: 3000,
  WEBHOOK_ALLOW: '10.0.40.0/24',
  STORAGE_S3_BUCKET: 'captures',
  STORAGE_S3_ENDPOINT: 'http://minio.storage:9000',
  STORAGE_S3_REGION: 'eu-west-1',
};

/** KEDA scaling on the job queue, as an install using it would set it. */
const KEDA_ON = {
  autoscaling: { enabled: false },
  keda: {
    enabled: true,
    maxReplicaCount: 20,
    prometheus: {
      serverAddress: 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090',
      threshold: '4',
    },
  },
};

const PRIVATE_IPV4 = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '168.63.129.16/32', // Azure WireServer: public, but the host's agent service
  '100.64.0.0/10',
  '127.0.0.0/8',
];

function container(deployment: K8sObject): any {
  const containers = deployment.spec.template.spec.containers as any[];
  expect(containers).toHaveLength(1);
  return containers[0];
}

function envByName(deployment: K8sObject): Map<string, any> {
  return new Map((container(deployment).env as any[]).map((e) => [e.name as string, e]));
}

function secretEnv(deployment: K8sObject): Record<string, { name: string; key: string; optional?: boolean }> {
  const refs: Record<string, { name: string; key: string; optional?: boolean }> = {};
  for (const [name, env] of envByName(deployment)) {
    if (env.valueFrom?.secretKeyRef) refs[name] = env.valueFrom.secretKeyRef;
  }
  return refs;
}

function decode(secret: K8sObject): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secret.data as Record<string, string>).map(([k, v]) => [
      k,
      Buffer.from(v, 'base64').toString('utf8'),
    ]),
  );
}

function expectFailure(options: Parameters<typeof helmTemplate>[0], message: RegExp): void {
  const result = helmTemplate(options);
  expect(result.status).not.toBe(0);
  expect(result.stderr).toMatch(message);
}

describe('helm chart helm/pixashot', () => {
  it('is checked by helm v4', () => {
    expect(helmVersion()).toMatch(/^v4\./);
  });

  describe('helm lint --strict', () => {
    it('passes with the default values', () => {
      const result = helmLint();
      expect(result.stderr + result.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(result.status).toBe(0);
    });

    it('passes with every optional part switched on', () => {
      const result = helmLint({ values: [FULL_VALUES] });
      expect(result.stderr + result.stdout).toMatch(/0 chart\(s\) failed/);
      expect(result.status).toBe(0);
    });

    it('passes with the KEDA ScaledObject on', () => {
      const result = helmLint({ values: [FULL_VALUES, KEDA_ON] });
      expect(result.stderr + result.stdout).toMatch(/0 chart\(s\) failed/);
      expect(result.status).toBe(0);
    });

    it('fails on a value the schema rejects', () => {
      const result = helmLint({ set: { replicaCount: -1 } });
      expect(result.status).not.toBe(0);
    });
  });

  describe('values', () => {
    const values = readYaml('helm/pixashot/values.yaml');
    const schema = JSON.parse(fs.readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8'));

    it('exposes every app variable under config and secrets, with no invented names', () => {
      expect(Object.keys(values.config).sort()).toEqual(Object.keys(DOCUMENTED_CONFIG).sort());
      expect(Object.keys(values.secrets).sort()).toEqual([...SECRET_ENV].sort());
      expect(Object.keys(schema.properties.config.properties).sort()).toEqual(
        Object.keys(DOCUMENTED_CONFIG).sort(),
      );
      expect(schema.properties.config.additionalProperties).toBe(false);
      expect(schema.additionalProperties).toBe(false);
    });

    it("offers every variable of the app's config schema, with the app's own defaults", () => {
      // HOST stays the app's default (0.0.0.0): a pod listens on all its interfaces
      const app = new AppConfig() as unknown as Record<string, unknown>;
      const appVariables = Object.keys(app).filter((key) => key !== 'HOST');
      expect([...Object.keys(values.config), ...Object.keys(values.secrets)].sort()).toEqual(
        appVariables.sort(),
      );
      for (const [key, chartDefault] of Object.entries(values.config)) {
        // CHROME_PATH names the image's browser; the app searches when it is unset
        if (key === 'CHROME_PATH' || app[key] === undefined) continue;
        expect(`${key}=${String(chartDefault)}`).toBe(`${key}=${String(app[key])}`);
      }
    });

    it('documents every value in the chart README', () => {
      const readme = fs.readFileSync(path.join(CHART_DIR, 'README.md'), 'utf8');
      const keys = [...Object.keys(values), ...Object.keys(values.config), ...Object.keys(values.secrets)];
      expect(keys.filter((key) => !readme.includes(`\`${key}`))).toEqual([]);
    });

    it('holds no secret value by default', () => {
      for (const key of SECRET_ENV) expect(values.secrets[key]).toBe('');
      expect(values.existingSecret).toBe('');
    });
  });

  describe('rendered with the default values', () => {
    let objects: K8sObject[];
    let deployment: K8sObject;

    beforeAll(() => {
      objects = renderChart();
      deployment = findOne(objects, 'Deployment');
    });

    it('renders the service objects and no Ingress or ServiceMonitor', () => {
      const kinds = objects.map((o) => o.kind).sort();
      expect(kinds).toEqual(
        [
          'ConfigMap',
          'Deployment',
          'HorizontalPodAutoscaler',
          'NetworkPolicy',
          'PodDisruptionBudget',
          'Secret',
          'Service',
          'ServiceAccount',
        ].sort(),
      );
      for (const o of objects) {
        expect(o.metadata.name).toBe('shot-pixashot');
        expect(o.metadata.labels).toMatchObject({
          'app.kubernetes.io/name': 'pixashot',
          'app.kubernetes.io/instance': 'shot',
          'app.kubernetes.io/version': '0.1.0',
        });
      }
    });

    it('probes /health/live for startup and liveness and /health/ready for readiness on the app port', () => {
      const c = container(deployment);
      expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
      expect(c.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      // A cold Chrome must get time to start before liveness may kill it.
      expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(60);
    });

    it('mounts a memory-backed /dev/shm with a size limit and a writable /tmp', () => {
      const c = container(deployment);
      const volumes = new Map((deployment.spec.template.spec.volumes as any[]).map((v) => [v.name, v]));
      const mounts = new Map((c.volumeMounts as any[]).map((m) => [m.mountPath, m]));
      const shm = volumes.get(mounts.get('/dev/shm').name);
      expect(shm.emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
      const tmp = volumes.get(mounts.get('/tmp').name);
      expect(tmp.emptyDir).toEqual({ sizeLimit: '2Gi' });
      expect(mounts.get('/tmp').readOnly).toBeFalsy();
      // Chrome and fontconfig write under $HOME, which the read-only root cannot hold.
      expect(envByName(deployment).get('HOME')).toEqual({ name: 'HOME', value: '/tmp' });
    });

    it('runs as the image user, non-root, on a read-only root with no capabilities', () => {
      const pod = deployment.spec.template.spec;
      const c = container(deployment);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.securityContext.capabilities.add).toBeUndefined();
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.enableServiceLinks).toBe(false);
      const sa = findOne(objects, 'ServiceAccount');
      expect(sa.automountServiceAccountToken).toBe(false);
      expect(pod.serviceAccountName).toBe(sa.metadata.name);
    });

    it('gives the pod longer to stop than the preStop sleep plus SHUTDOWN_GRACE_MS', () => {
      const pod = deployment.spec.template.spec;
      const graceSeconds = Number(findOne(objects, 'ConfigMap').data.SHUTDOWN_GRACE_MS) / 1000;
      const preStop = container(deployment).lifecycle.preStop.exec.command as string[];
      expect(preStop[0]).toBe('sleep');
      expect(pod.terminationGracePeriodSeconds).toBe(5 + 30 + 15);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(preStop[1]) + graceSeconds);
    });

    it('puts the documented defaults in the ConfigMap and the ConfigMap in the environment', () => {
      const configMap = findOne(objects, 'ConfigMap');
      const expected = Object.fromEntries(Object.entries(DOCUMENTED_CONFIG).filter(([, v]) => v !== ''));
      expect(configMap.data).toEqual(expected);
      expect(container(deployment).envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
    });

    it('generates an auth token into the Secret so the service does not start open', () => {
      const secret = findOne(objects, 'Secret');
      const data = decode(secret);
      expect(Object.keys(data)).toEqual(['AUTH_TOKENS']);
      expect(data.AUTH_TOKENS).toMatch(/^[A-Za-z0-9]{48}$/);
      expect(secretEnv(deployment)).toEqual({
        AUTH_TOKENS: { name: secret.metadata.name, key: 'AUTH_TOKENS' },
      });
      const configMap = findOne(objects, 'ConfigMap');
      for (const key of SECRET_ENV) expect(configMap.data).not.toHaveProperty(key);
    });

    it('annotates the pods with checksums of the config and the secret inputs', () => {
      const annotations = deployment.spec.template.metadata.annotations;
      expect(annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
      expect(annotations['checksum/secret']).toMatch(/^[0-9a-f]{64}$/);
      // The generated token differs on each render; the checksum must not, or pods would roll on every upgrade.
      const again = findOne(renderChart(), 'Deployment').spec.template.metadata.annotations;
      expect(again['checksum/secret']).toBe(annotations['checksum/secret']);
      expect(again['checksum/config']).toBe(annotations['checksum/config']);
    });

    it('lets the HPA own the replica count, scaling on CPU', () => {
      const hpa = findOne(objects, 'HorizontalPodAutoscaler');
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: deployment.metadata.name,
      });
      expect(hpa.spec.minReplicas).toBe(2);
      expect(hpa.spec.maxReplicas).toBe(10);
      expect(hpa.spec.metrics).toEqual([
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ]);
      expect(deployment.spec.replicas).toBeUndefined();
    });

    it('sets Chrome-sized resources', () => {
      expect(container(deployment).resources).toEqual({
        requests: { cpu: '1', memory: '1536Mi' },
        limits: { cpu: '2', memory: '3Gi' },
      });
    });

    it('has a PodDisruptionBudget and a Service over the pods', () => {
      const podLabels = deployment.spec.template.metadata.labels;
      const pdb = findOne(objects, 'PodDisruptionBudget');
      expect(pdb.apiVersion).toBe('policy/v1');
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(podLabels).toMatchObject(pdb.spec.selector.matchLabels);
      expect(deployment.spec.selector.matchLabels).toEqual(pdb.spec.selector.matchLabels);
      const service = findOne(objects, 'Service');
      expect(podLabels).toMatchObject(service.spec.selector);
      expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    });

    it('limits egress to DNS and public addresses, and ingress to the app port', () => {
      const policy = findOne(objects, 'NetworkPolicy');
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(deployment.spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
      expect(policy.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);

      const egress = policy.spec.egress as any[];
      const dns = egress.find((rule) => (rule.ports as any[] | undefined)?.some((p) => p.port === 53));
      expect(dns.ports).toEqual(
        expect.arrayContaining([
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ]),
      );
      expect(dns.to).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } },
      ]);

      const blocks = egress.flatMap((rule) => (rule.to ?? []) as any[]).filter((peer) => peer.ipBlock);
      const v4 = blocks.find((b) => b.ipBlock.cidr === '0.0.0.0/0');
      expect(v4.ipBlock.except).toEqual(expect.arrayContaining(PRIVATE_IPV4));
      const v6 = blocks.find((b) => b.ipBlock.cidr === '::/0');
      expect(v6.ipBlock.except).toEqual(expect.arrayContaining(['::1/128', 'fc00::/7', 'fe80::/10']));
      // Nothing else opens a hole: every ipBlock is one of the two above.
      expect(blocks).toHaveLength(2);
    });
  });

  describe('rendered with the non-default values file', () => {
    let objects: K8sObject[];
    let deployment: K8sObject;

    beforeAll(() => {
      objects = renderChart({ values: [FULL_VALUES] });
      deployment = findOne(objects, 'Deployment');
    });

    it('reads secrets from existingSecret and renders no Secret', () => {
      expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
      const refs = secretEnv(deployment);
      expect(Object.keys(refs).sort()).toEqual([...SECRET_ENV].sort());
      for (const key of SECRET_ENV) {
        expect(refs[key]).toEqual({ name: 'pixashot-credentials', key, optional: true });
      }
    });

    it('renders the Ingress with the class, hosts and TLS given', () => {
      const ingress = findOne(objects, 'Ingress');
      expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
      expect(ingress.spec.ingressClassName).toBe('nginx');
      expect((ingress.spec.rules as any[]).map((r) => r.host)).toEqual([
        'shots.example.com',
        'pixashot.internal.example.com',
      ]);
      expect(ingress.spec.rules[0].http.paths).toEqual([
        {
          path: '/',
          pathType: 'Prefix',
          backend: { service: { name: findOne(objects, 'Service').metadata.name, port: { name: 'http' } } },
        },
      ]);
      expect(ingress.spec.tls).toEqual([
        { hosts: ['shots.example.com'], secretName: 'shots-example-com-tls' },
      ]);
      expect(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe('120');
    });

    it('renders a ServiceMonitor scraping /metrics on the service port', () => {
      const monitor = findOne(objects, 'ServiceMonitor');
      expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(monitor.metadata.labels?.release).toBe('kube-prometheus-stack');
      expect(monitor.spec.endpoints).toEqual([
        { port: 'http', path: '/metrics', scheme: 'http', interval: '15s', scrapeTimeout: '10s' },
      ]);
      expect(findOne(objects, 'Service').metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
      expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['pixashot'] });
    });

    it('runs a fixed replica count without an HPA', () => {
      expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
      expect(deployment.spec.replicas).toBe(3);
      expect(findOne(objects, 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: 2 });
      expect(findOne(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBeUndefined();
    });

    it('adds the extra egress CIDR and rule, and narrows ingress to the peers given', () => {
      const policy = findOne(objects, 'NetworkPolicy');
      const egress = policy.spec.egress as any[];
      expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.0.12.7/32' } }] });
      expect(egress).toContainEqual({
        to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } } }],
        ports: [{ port: 6379, protocol: 'TCP' }],
      });
      // The private ranges stay excluded from the public rule.
      const v4 = egress.flatMap((r) => (r.to ?? []) as any[]).find((p) => p.ipBlock?.cidr === '0.0.0.0/0');
      expect(v4.ipBlock.except).toEqual(expect.arrayContaining(PRIVATE_IPV4));
      expect(policy.spec.ingress[0].from).toHaveLength(2);
    });

    it('pins the image by digest and passes config overrides through', () => {
      expect(container(deployment).image).toBe(
        'registry.example.com/tools/pixashot@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      );
      expect(findOne(objects, 'ConfigMap').data).toMatchObject({
        TRUST_PROXY: '1',
        LOG_LEVEL: 'warn',
        CACHE_MAX_BYTES: '536870912',
        NETWORK_DENY: '203.0.113.0/24',
      });
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(75);
    });
  });

  describe('configuration and secrets', () => {
    it('puts every config value given in a values file into the ConfigMap, numbers as integers', () => {
      const objects = renderChart({ values: [{ config: EVERY_CONFIG_CHANGED }] });
      const expected = Object.fromEntries(
        Object.entries(EVERY_CONFIG_CHANGED).map(([k, v]) => [k, String(v)]),
      );
      expect(findOne(objects, 'ConfigMap').data).toEqual(expected);
      expect(container(findOne(objects, 'Deployment')).ports[0].containerPort).toBe(9090);
    });

    it('rolls the pods when a config value changes, and only the config checksum moves', () => {
      const before = findOne(renderChart(), 'Deployment').spec.template.metadata.annotations;
      const after = findOne(renderChart({ set: { 'config.MAX_QUEUE': 64 } }), 'Deployment').spec.template
        .metadata.annotations;
      expect(after['checksum/config']).not.toBe(before['checksum/config']);
      expect(after['checksum/secret']).toBe(before['checksum/secret']);
    });

    it('puts the secrets given in the Secret, references each, and rolls the pods when one changes', () => {
      const given = {
        AUTH_TOKENS: 'token-a,token-b',
        URL_SIGNING_SECRET: 's3cret',
        REDIS_URL: 'redis://redis:6379/0',
      };
      const objects = renderChart({ values: [{ secrets: given }] });
      const secret = findOne(objects, 'Secret');
      expect(decode(secret)).toEqual(given);
      const deployment = findOne(objects, 'Deployment');
      expect(secretEnv(deployment)).toEqual(
        Object.fromEntries(Object.keys(given).map((key) => [key, { name: secret.metadata.name, key }])),
      );
      const rotated = renderChart({ values: [{ secrets: { ...given, AUTH_TOKENS: 'token-b,token-c' } }] });
      expect(findOne(rotated, 'Deployment').spec.template.metadata.annotations['checksum/secret']).not.toBe(
        deployment.spec.template.metadata.annotations['checksum/secret'],
      );
    });

    it('renders no Secret and no secret variable when told to run open', () => {
      const objects = renderChart({ set: { generateAuthToken: false } });
      expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
      expect(secretEnv(findOne(objects, 'Deployment'))).toEqual({});
    });

    it('derives terminationGracePeriodSeconds from a longer SHUTDOWN_GRACE_MS, rounding up', () => {
      const objects = renderChart({ set: { 'config.SHUTDOWN_GRACE_MS': 60500 } });
      expect(findOne(objects, 'Deployment').spec.template.spec.terminationGracePeriodSeconds).toBe(
        5 + 61 + 15,
      );
    });

    it('accepts an explicit terminationGracePeriodSeconds above the shutdown grace', () => {
      const objects = renderChart({ set: { terminationGracePeriodSeconds: 36 } });
      expect(findOne(objects, 'Deployment').spec.template.spec.terminationGracePeriodSeconds).toBe(36);
    });
  });

  describe('rejected values', () => {
    it('rejects a negative replicaCount', () => {
      expectFailure({ set: { replicaCount: -1 } }, /replicaCount.*minimum/);
    });

    it('rejects a string where an integer belongs', () => {
      expectFailure({ set: { 'config.PORT': 'eighty' } }, /config\/PORT.*want integer/);
    });

    it('rejects a config name the app does not know', () => {
      expectFailure({ set: { 'config.BROWSER_POOL_SIZE': 3 } }, /BROWSER_POOL_SIZE.*not allowed/);
    });

    it('rejects a log level or a rate limit out of their formats', () => {
      expectFailure({ set: { 'config.LOG_LEVEL': 'verbose' } }, /LOG_LEVEL/);
      expectFailure(
        { values: [{ config: { RATE_LIMIT_CAPTURE: '5 per fortnight' } }] },
        /RATE_LIMIT_CAPTURE/,
      );
    });

    it('rejects a terminationGracePeriodSeconds that would cut the shutdown grace short', () => {
      // preStop sleep 5 s + SHUTDOWN_GRACE_MS 30 s: 35 is not enough.
      expectFailure({ set: { terminationGracePeriodSeconds: 35 } }, /terminationGracePeriodSeconds \(35\)/);
      expectFailure(
        { set: { terminationGracePeriodSeconds: 50, 'config.SHUTDOWN_GRACE_MS': 60000 } },
        /must be greater than/,
      );
    });

    it('rejects a ServiceMonitor when metrics are off, and pool sizes the app would refuse at boot', () => {
      expectFailure(
        { set: { 'serviceMonitor.enabled': true, 'config.METRICS_ENABLED': false } },
        /METRICS_ENABLED/,
      );
      expectFailure(
        { set: { 'config.BROWSER_POOL_MIN': 3, 'config.BROWSER_POOL_MAX': 2 } },
        /BROWSER_POOL_MIN/,
      );
      expectFailure(
        { set: { 'config.MAX_CONCURRENT_CAPTURES': 9, 'config.BROWSER_POOL_MAX': 2 } },
        /MAX_CONCURRENT_CAPTURES must not exceed BROWSER_POOL_MAX x BROWSER_MAX_CONCURRENT_PAGES \(8\)/,
      );
    });
  });
});

// --- Dockerfile -----------------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
  stage: string;
}

/** Instructions with line continuations joined and comments dropped, each tagged with its stage name. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let stage = '';
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line === '') continue;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) continue;
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(pending) ?? [];
    pending = '';
    if (!keyword) continue;
    if (keyword.toUpperCase() === 'FROM')
      stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? String(instructions.length);
    instructions.push({ keyword: keyword.toUpperCase(), args, stage });
  }
  return instructions;
}

/** Package names of every `apt-get install` in the instructions. */
function aptPackages(instructions: Instruction[]): string[] {
  return instructions
    .filter((i) => i.keyword === 'RUN')
    .flatMap((i) => [...i.args.matchAll(/apt-get\s+install\s+([^&;|]*)/g)])
    .flatMap((m) => m[1].split(/\s+/))
    .filter((token) => token !== '' && !token.startsWith('-'));
}

// What CI installs with apt-get for the e2e tests: the image must carry the same browser and fonts.
// The runtime packages: the browsers and every font family (test-only tools such as redis-server and poppler-utils stay out of the image)
const CI_APT_PACKAGES = [
  'chromium',
  'chromium-headless-shell',
  'fonts-liberation',
  'fonts-noto-color-emoji',
  'fonts-noto-core',
  'fonts-noto-cjk',
];
const INIT_PACKAGES: Record<string, string> = { tini: '/usr/bin/tini', 'dumb-init': '/usr/bin/dumb-init' };

describe('Dockerfile', () => {
  const instructions = parseDockerfile(fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  const froms = instructions.filter((i) => i.keyword === 'FROM');
  const runtime = instructions.filter((i) => i.stage === froms[froms.length - 1]?.args.split(/\s+/).pop());
  const one = (keyword: string): Instruction => {
    const found = runtime.filter((i) => i.keyword === keyword);
    expect(found).toHaveLength(1);
    return found[0];
  };

  it('builds in one stage and runs from another, both on an even (LTS) Node >= 20 on Debian bookworm', () => {
    expect(froms).toHaveLength(2);
    for (const from of froms) {
      const [, major] = /^node:(\d+)-bookworm-slim\b/.exec(from.args) ?? [];
      expect(major).toBeDefined();
      expect(Number(major) % 2).toBe(0);
      expect(Number(major)).toBeGreaterThanOrEqual(20);
    }
    const build = instructions.filter((i) => i.stage === 'build' && i.keyword === 'RUN').map((i) => i.args);
    expect(build.join(' && ')).toMatch(/npm ci\b.*npm run build.*npm prune --omit=dev/);
    expect(runtime.filter((i) => i.keyword === 'COPY').map((i) => i.args)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/--from=build .*node_modules/),
        expect.stringMatching(/dist/),
      ]),
    );
  });

  it('never lets npm download a browser: .puppeteerrc.cjs is in place before npm ci', () => {
    const build = instructions.filter((i) => i.stage === 'build');
    const rc = build.findIndex((i) => i.keyword === 'COPY' && i.args.includes('.puppeteerrc.cjs'));
    const ci = build.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(rc).toBeGreaterThanOrEqual(0);
    expect(ci).toBeGreaterThan(rc);
    expect(runtime.some((i) => i.keyword === 'COPY' && i.args.includes('.puppeteerrc.cjs'))).toBe(true);
  });

  it('installs exactly the packages CI installs, plus an init, without recommends and without apt lists', () => {
    const packages = aptPackages(runtime);
    const inits = packages.filter((p) => p in INIT_PACKAGES);
    expect(inits).toHaveLength(1);
    expect(packages.filter((p) => !(p in INIT_PACKAGES)).sort()).toEqual([...CI_APT_PACKAGES].sort());
    const install = runtime.find((i) => i.keyword === 'RUN' && i.args.includes('apt-get install'));
    expect(install?.args).toContain('--no-install-recommends');
    expect(install?.args).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
    expect(aptPackages(instructions.filter((i) => i.stage === 'build'))).toEqual([]);
  });

  const ciRun = path.join(REPO_ROOT, '.ci', 'run');
  (fs.existsSync(ciRun) ? it : it.skip)('carries the browser and font packages .ci/run installs', () => {
    // .ci/run may list its packages in any shell form (arrays, loops): look for the names themselves.
    const ci = fs.readFileSync(ciRun, 'utf8');
    for (const name of CI_APT_PACKAGES)
      expect(ci).toMatch(new RegExp(`(^|[\\s("'])${name}([\\s)"';]|$)`, 'm'));
    const ciFonts = [...new Set(ci.match(/\bfonts-[a-z0-9-]+/g) ?? [])].sort();
    expect(ciFonts).toEqual(CI_APT_PACKAGES.filter((p) => p.startsWith('fonts-')).sort());
  });

  it('runs node dist/main.js under the init as PID 1, with the node flags npm start uses', () => {
    const packages = aptPackages(runtime);
    const init = INIT_PACKAGES[packages.find((p) => p in INIT_PACKAGES) ?? ''];
    const entrypoint = JSON.parse(one('ENTRYPOINT').args) as string[];
    expect(entrypoint[0]).toBe(init);
    // a small young generation: less resident memory for the same CPU (docs/performance.md)
    const cmd = JSON.parse(one('CMD').args) as string[];
    expect(cmd).toEqual([
      'node',
      '--max-semi-space-size=2',
      '--max-old-space-size=1024',
      '--heap-growing-percent=20',
      'dist/main.js',
    ]);
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe(cmd.join(' '));
  });

  it('runs as the non-root uid the chart runs as', () => {
    const [user, group] = one('USER').args.split(':');
    expect(user).toMatch(/^\d+$/);
    expect(Number(user)).toBeGreaterThan(0);
    const chart = readYaml('helm/pixashot/values.yaml');
    expect(chart.podSecurityContext.runAsUser).toBe(Number(user));
    expect(chart.securityContext.runAsUser).toBe(Number(user));
    if (group !== undefined) expect(chart.podSecurityContext.runAsGroup).toBe(Number(group));
    const useradd = runtime.find((i) => i.keyword === 'RUN' && i.args.includes('useradd'));
    expect(useradd?.args).toContain(`--uid ${user}`);
  });

  it('sets the runtime environment, exposes the port and checks /health/live with node', () => {
    const env = runtime
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(env).toMatch(/\bCHROME_PATH=\/usr\/lib\/chromium\/chromium-headless-shell\b/);
    expect(env).toMatch(/\bPORT=8080\b/);
    expect(one('EXPOSE').args).toBe('8080');
    const healthcheck = one('HEALTHCHECK').args;
    expect(healthcheck).toMatch(/\bCMD\s+\["node",/);
    expect(healthcheck).toContain('/health/live');
    expect(healthcheck).not.toMatch(/\b(curl|wget)\b/);
  });

  it('keeps dependencies, build output, tests and the chart out of the build context', () => {
    const ignored = fs
      .readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toEqual(
      expect.arrayContaining(['node_modules', 'dist', '.git', 'test', 'coverage', 'helm', '.ci']),
    );
  });
  describe('KEDA scaling on the job queue', () => {
    it('renders no ScaledObject by default', () => {
      expect(renderChart().some((o) => o.kind === 'ScaledObject')).toBe(false);
    });

    it('renders a ScaledObject on the queue depth that owns the replica count instead of the HPA', () => {
      const objects = renderChart({ values: [KEDA_ON] });
      const scaled = findOne(objects, 'ScaledObject');
      expect(scaled.apiVersion).toBe('keda.sh/v1alpha1');
      expect(scaled.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'shot-pixashot',
      });
      expect(scaled.spec).toMatchObject({
        minReplicaCount: 2,
        maxReplicaCount: 20,
        pollingInterval: 15,
        cooldownPeriod: 300,
      });
      const [trigger] = scaled.spec.triggers as any[];
      expect(trigger.type).toBe('prometheus');
      expect(trigger.metadata.serverAddress).toBe(
        'http://kube-prometheus-stack-prometheus.monitoring.svc:9090',
      );
      expect(trigger.metadata.threshold).toBe('4');
      expect(trigger.metadata.query).toMatch(
        /pixashot_jobs\{.*service="shot-pixashot".*state=~"waiting\|prioritized\|active"/,
      );
      expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
      expect(findOne(objects, 'Deployment').spec.replicas).toBeUndefined();
      const custom = renderChart({ values: [KEDA_ON, { keda: { prometheus: { query: 'sum(my_queue)' } } }] });
      expect(findOne(custom, 'ScaledObject').spec.triggers[0].metadata.query).toBe('sum(my_queue)');
    });

    it('refuses KEDA together with the HPA', () => {
      expectFailure({ values: [{ keda: { enabled: true } }] }, /set autoscaling.enabled=false/);
    });
  });
});
