/**
 * A diagnostic, not part of any run: what keeps a spec's process alive after
 * its afterAll hooks ("Jest did not exit one second after the test run has
 * completed", or in a full run "A worker process has failed to exit
 * gracefully"). Load it for one spec:
 *
 *   npx jest --runInBand test/x.e2e-spec.ts --setupFilesAfterEnv ./test/helpers/open-handles.ts
 *
 * (the option takes a list: the spec path goes before it).
 *
 * Every timer, socket, server and child process created from then on is
 * recorded with the stack that created it; after the spec's own afterAll
 * hooks, the ones still open are printed, and again a few seconds later (what
 * is left then is a leak, not a close still under way). `--detectOpenHandles`
 * skips handles created with no frame outside node_modules on the stack.
 */
import { createHook } from 'node:async_hooks';

const WATCHED = new Set(['Timeout', 'TCPWRAP', 'TCPSERVERWRAP', 'PIPEWRAP', 'PROCESSWRAP']);
const created = new Map<number, { type: string; stack: string; resource: WeakRef<object> }>();

createHook({
  init(id, type, _trigger, resource) {
    if (!WATCHED.has(type)) return;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 40; // past node's and the libraries' own frames
    const stack = (new Error().stack ?? '')
      .split('\n')
      .slice(1)
      .filter((line) => !line.includes('node:internal') && !line.includes('open-handles'))
      .slice(0, 14)
      .join('\n');
    Error.stackTraceLimit = limit;
    created.set(id, { type, stack, resource: new WeakRef(resource) });
  },
  destroy(id) {
    created.delete(id);
  },
}).enable();

type Handle = {
  hasRef?: () => boolean;
  _destroyed?: boolean;
  _idleTimeout?: number;
  getsockname?: (out: { port?: number }) => void;
  getpeername?: (out: { port?: number }) => void;
};

/** Where a TCP handle listens or connects, to tell the servers apart. */
function ports(handle: Handle): string {
  const local: { port?: number } = {};
  const peer: { port?: number } = {};
  handle.getsockname?.(local);
  handle.getpeername?.(peer);
  return local.port ? ` :${local.port}${peer.port ? ` -> :${peer.port}` : ''}` : '';
}

function report(when: string): void {
  const lines = [`[open-handles] ${when}: ${process.getActiveResourcesInfo().join(', ') || 'nothing'}`];
  for (const [id, { type, stack, resource }] of created) {
    const handle = resource.deref() as Handle | undefined;
    if (!handle || handle._destroyed || handle._idleTimeout === -1) continue; // gone, or a cleared timer
    if (handle.hasRef?.() === false) continue; // does not hold the process
    if (/node_modules\/(jest-|@jest\/)/.test(stack)) continue; // jest's own (this hook's timeout, the reporter)
    const ms = type === 'Timeout' ? ` ${handle._idleTimeout} ms` : ports(handle);
    lines.push(`  ${type} #${id}${ms}\n${stack}`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}

afterAll(async () => {
  report('after the afterAll hooks');
  await new Promise((resolve) => setTimeout(resolve, 3000).unref()); // unref: only a pause, it must not count
  report('3 s later');
}, 10_000);
