// Entry point of the egress proxy's own process (forked by
// EgressProxySupervisor). It serves the client connections the API accepts and
// hands over, and reports every verdict and failure back; whatever a target
// sends can at worst end this process, which the API restarts.
import type * as net from 'node:net';
import { EgressProxy } from './egress-proxy';
import type { FromProxy, ToProxy } from './egress-proxy.ipc';
import { EgressLookup, LookupAddress, NetworkPolicy } from './network-policy';

function send(message: FromProxy): void {
  if (process.connected) process.send!(message, undefined, undefined, () => undefined);
}

let proxy: EgressProxy | undefined;
let nextLookup = 0;
const lookups = new Map<number, { resolve: (a: LookupAddress[]) => void; reject: (e: Error) => void }>();

const remoteLookup: EgressLookup = (host) =>
  new Promise((resolve, reject) => {
    const id = nextLookup++;
    lookups.set(id, { resolve, reject });
    send({ type: 'lookup', id, host });
  });

process.on('message', (message: ToProxy, handle?: net.Socket) => {
  switch (message.type) {
    case 'start': {
      if (proxy) return;
      proxy = new EgressProxy(new NetworkPolicy({ allow: message.allow, deny: message.deny }), {
        lookup: message.remoteLookup ? remoteLookup : undefined,
        connectTimeoutMs: message.connectTimeoutMs,
        upstreamIdleTimeoutMs: message.upstreamIdleTimeoutMs,
        maxResponseBytes: message.maxResponseBytes,
        // The API keeps the record that captures consult (it outlives this process): a small one is enough here.
        failureLogSize: 1,
        onDecision: (event) => send({ type: 'decision', event }),
        onFailure: (failure) => send({ type: 'failure', failure }),
        onFault: (err) => send({ type: 'fault', message: err.stack ?? err.message }),
      });
      proxy.attach(message.ownPorts);
      send({ type: 'ready' });
      return;
    }
    case 'ports':
      proxy?.setOwnPorts(message.ownPorts);
      return;
    case 'connection':
      if (!handle) return;
      if (proxy) proxy.accept(handle, message.route);
      else handle.destroy();
      return;
    case 'lookup-result': {
      const pending = lookups.get(message.id);
      lookups.delete(message.id);
      if (!pending) return;
      if (message.addresses) pending.resolve(message.addresses);
      else
        pending.reject(
          Object.assign(new Error(message.error?.message ?? 'lookup failed'), { code: message.error?.code }),
        );
      return;
    }
  }
});

// The API went away (or closed the channel to stop us): nothing left to serve.
process.on('disconnect', () => process.exit(0));
