// The messages between the API and the egress proxy's child process (IPC,
// structured as JSON). Client connections travel as handles beside a
// 'connection' message.
import type { EgressFailure } from './egress-failure-log';
import type { EgressDecisionEvent } from './egress-proxy';
import type { LookupAddress } from './network-policy';

/** API -> proxy. */
export type ToProxy =
  | {
      type: 'start';
      allow: string[];
      deny: string[];
      connectTimeoutMs?: number;
      upstreamIdleTimeoutMs?: number;
      maxResponseBytes?: number;
      /** Resolve names by asking the API (a lookup injected in tests cannot cross the process boundary). */
      remoteLookup: boolean;
      ownPorts: number[];
    }
  | { type: 'ports'; ownPorts: number[] }
  /** Comes with the client socket as its handle, accepted paused by the API. */
  | { type: 'connection'; route?: string }
  | {
      type: 'lookup-result';
      id: number;
      addresses?: LookupAddress[];
      error?: { message: string; code?: string };
    };

/** Proxy -> API. */
export type FromProxy =
  | { type: 'ready' }
  | { type: 'decision'; event: EgressDecisionEvent }
  | { type: 'failure'; failure: EgressFailure }
  | { type: 'fault'; message: string }
  | { type: 'lookup'; id: number; host: string };
