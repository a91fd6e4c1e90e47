// Runs the egress proxy in a child process of its own, so that nothing a
// target sends can take the API down with it, and keeps it running. The API
// process owns the listening sockets: it accepts each client connection
// paused and hands it to the child, so Chrome's proxy addresses stay the same
// across a restart of the child. What the API must remember (the record of
// refusals, the counts) is kept here, on this side of the boundary.
import { ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { EgressFailureLog } from './egress-failure-log';
import type { EgressDecisionEvent } from './egress-proxy';
import type { FromProxy, ToProxy } from './egress-proxy.ipc';
import type { EgressOptions } from './egress.constants';

/** The egress options (a given `lookup` runs in the API process on the child's behalf), and what the API hears of the child. */
export interface EgressProxySupervisorOptions extends EgressOptions {
  onDecision?: (event: EgressDecisionEvent) => void;
  /** The child exited and another is being started. */
  onRestart?: (exit: {
    code: number | null;
    signal: NodeJS.Signals | null;
    interruptedRoutes: number;
  }) => void;
  /** A handler in the child failed unexpectedly (that connection was closed). */
  onFault?: (message: string) => void;
}

/** A proxy address for one browser context: its connections are recorded under `id`. */
export interface EgressRoute {
  id: string;
  url: string;
  /** Stops listening on the route's port (connections already handed over are the context's to close). */
  close(): void;
}

/**
 * A connection waits this long for a (re)starting child before it is dropped.
 * The compiled child is ready in well under a second; under ts-node (tests) on
 * a loaded machine it has taken over five.
 */
const HANDOVER_WAIT_MS = 15_000;
/** More exits than this within CRASH_WINDOW_MS: wait before the next start, so a crash loop does not eat a core. */
const CRASHES_BEFORE_BACKOFF = 5;
const CRASH_WINDOW_MS = 10_000;
const BACKOFF_MS = 1000;
const STOP_GRACE_MS = 2000;
/**
 * Route ports kept listening after their context closed, for the next contexts: opening and closing a
 * port per capture cost two syscalls and two messages to the child (its list of the proxy's own ports).
 */
const IDLE_ROUTES = 8;

const noop = (): void => undefined;

/** The compiled child next to this file, or, under ts-jest/ts-node, the TypeScript source run through ts-node. */
function childEntry(): { file: string; execArgv: string[] } {
  const js = join(__dirname, 'egress-proxy.child.js');
  if (existsSync(js)) return { file: js, execArgv: [] };
  return {
    file: join(__dirname, 'egress-proxy.child.ts'),
    execArgv: ['-r', 'ts-node/register/transpile-only'],
  };
}

function listen(onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  // Paused: not a byte is read here, the child reads everything.
  const server = net.createServer({ pauseOnConnect: true }, onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      server.on('error', noop);
      resolve(server);
    });
  });
}

const portOf = (server: net.Server): number => (server.address() as net.AddressInfo).port;

export class EgressProxySupervisor {
  /** Refusals, DNS and connect failures the child reported, by route; outlives any one child. */
  readonly failures = new EgressFailureLog();
  /** Times the child exited and was replaced. */
  restarts = 0;

  private child?: ChildProcess;
  private isReady = false;
  private stopping = false;
  private main?: net.Server;
  private readonly routeServers = new Map<string, net.Server>();
  /** The route each route port serves now; an idle port serves none and drops what connects to it. */
  private readonly routeOfServer = new Map<net.Server, string>();
  private readonly idleRouteServers: net.Server[] = [];
  private nextRoute = 0;
  /** Connections accepted while no child was ready. */
  private readonly waiting: Array<{ socket: net.Socket; route?: string; timer: NodeJS.Timeout }> = [];
  /** Routes that handed a connection to the running child: its exit interrupts them. */
  private readonly routesInChild = new Set<string>();
  private readonly interrupted = new Set<string>();
  private readonly exits: number[] = [];
  private restartTimer?: NodeJS.Timeout;
  private firstReady?: { resolve: () => void; reject: (err: Error) => void };

  constructor(private readonly opts: EgressProxySupervisorOptions) {}

  async start(): Promise<void> {
    if (this.main) throw new Error('egress proxy already started');
    this.stopping = false;
    this.main = await listen((socket) => this.handOver(socket));
    const ready = new Promise<void>((resolve, reject) => (this.firstReady = { resolve, reject }));
    this.spawn();
    try {
      await ready;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** `http://127.0.0.1:PORT`: the browser-wide proxy address (for Chrome's --proxy-server). */
  get url(): string {
    if (!this.main || this.stopping) throw new Error('egress proxy not started');
    return `http://127.0.0.1:${portOf(this.main)}`;
  }

  /** The child's PID (undefined while it restarts). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** A child is up and taking connections (connections accepted meanwhile wait for it). */
  get ready(): boolean {
    return this.isReady;
  }

  /** A proxy address of its own for one browser context, so its connections are told apart from all others. */
  async openRoute(): Promise<EgressRoute> {
    if (!this.main || this.stopping) throw new Error('egress proxy not started');
    const id = `r${++this.nextRoute}`;
    const reused = this.idleRouteServers.pop();
    const server = reused ?? (await this.listenForRoutes());
    this.routeServers.set(id, server);
    this.routeOfServer.set(server, id);
    if (!reused) this.sendPorts(); // a port the child does not know as the proxy's own yet
    return { id, url: `http://127.0.0.1:${portOf(server)}`, close: () => this.closeRoute(id) };
  }

  /** A new route port: each connection goes to the child under the route the port serves at that moment. */
  private async listenForRoutes(): Promise<net.Server> {
    const server: net.Server = await listen((socket) => {
      const route = this.routeOfServer.get(server);
      // A context closed before its port was reused: nothing of it may still connect.
      if (route === undefined) socket.destroy();
      else this.handOver(socket, route);
    });
    if (this.stopping) {
      server.close();
      throw new Error('egress proxy stopping');
    }
    return server;
  }

  /** Whether the proxy process died while it held connections of this route. */
  wasInterrupted(route: string): boolean {
    return this.interrupted.has(route);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.main?.close();
    this.main = undefined;
    for (const id of [...this.routeServers.keys()]) this.closeRoute(id);
    for (const server of this.idleRouteServers.splice(0)) server.close();
    for (const { socket, timer } of this.waiting.splice(0)) {
      clearTimeout(timer);
      socket.destroy();
    }
    this.firstReady?.reject(new Error('egress proxy stopped before it was ready'));
    this.firstReady = undefined;
    const child = this.child;
    this.child = undefined;
    this.isReady = false;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      // Closing the channel is the child's signal to exit (its sockets go with it).
      if (child.connected) child.disconnect();
      else child.kill('SIGKILL');
    });
  }

  /** Called once the route's context is closed (Chrome opens no connection for it any more). */
  private closeRoute(id: string): void {
    const server = this.routeServers.get(id);
    if (!server) return;
    this.routeServers.delete(id);
    this.routeOfServer.delete(server);
    this.routesInChild.delete(id);
    this.interrupted.delete(id);
    if (!this.stopping && this.idleRouteServers.length < IDLE_ROUTES) {
      this.idleRouteServers.push(server); // still one of the proxy's own ports: the child's list holds
      return;
    }
    server.close();
    this.sendPorts();
  }

  private ownPorts(): number[] {
    return [this.main, ...this.routeServers.values(), ...this.idleRouteServers]
      .filter((s): s is net.Server => !!s)
      .map(portOf);
  }

  private sendPorts(): void {
    if (this.isReady) this.send({ type: 'ports', ownPorts: this.ownPorts() });
  }

  private send(message: ToProxy, handle?: net.Socket, done: (err: Error | null) => void = noop): void {
    const child = this.child;
    if (!child?.connected) {
      done(new Error('egress proxy not running'));
      return;
    }
    try {
      child.send(message, handle, {}, done);
    } catch (err) {
      done(err as Error);
    }
  }

  private handOver(socket: net.Socket, route?: string): void {
    socket.on('error', noop);
    if (this.stopping) {
      socket.destroy();
      return;
    }
    if (!this.isReady) {
      const timer = setTimeout(() => {
        const i = this.waiting.findIndex((w) => w.socket === socket);
        if (i >= 0) this.waiting.splice(i, 1);
        socket.destroy();
      }, HANDOVER_WAIT_MS).unref();
      this.waiting.push({ socket, route, timer });
      return;
    }
    if (route !== undefined) this.routesInChild.add(route);
    // The handle is sent and closed here; if the child is gone, the client sees a closed connection.
    this.send({ type: 'connection', route }, socket, (err) => {
      if (err) socket.destroy();
    });
  }

  private spawn(): void {
    const entry = childEntry();
    let child: ChildProcess;
    try {
      child = fork(entry.file, [], {
        execArgv: entry.execArgv,
        // None of the API's settings (tokens, secrets, Redis URL) belong in the process that talks to targets.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: process.env.NODE_ENV ?? 'production' },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'json',
      });
    } catch (err) {
      this.exited(undefined, null, null, err as Error);
      return;
    }
    this.child = child;
    this.isReady = false;
    child.on('message', (message: FromProxy) => this.onMessage(child, message));
    child.on('error', (err) => {
      // Failed to start (or to be signalled): without a PID no 'exit' follows.
      if (child.pid === undefined) this.exited(child, null, null, err);
    });
    child.once('exit', (code, signal) => this.exited(child, code, signal));
    this.send({
      type: 'start',
      allow: this.opts.allow,
      deny: this.opts.deny,
      connectTimeoutMs: this.opts.connectTimeoutMs,
      upstreamIdleTimeoutMs: this.opts.upstreamIdleTimeoutMs,
      maxResponseBytes: this.opts.maxResponseBytes,
      remoteLookup: this.opts.lookup !== undefined,
      ownPorts: this.ownPorts(),
    });
  }

  private exited(
    child: ChildProcess | undefined,
    code: number | null,
    signal: NodeJS.Signals | null,
    err?: Error,
  ): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.isReady = false;
    if (this.stopping) return;
    if (this.firstReady) {
      // Never came up at all: a broken install, not a fault to restart from.
      this.firstReady.reject(
        err ?? new Error(`egress proxy process exited (${signal ?? code}) before it was ready`),
      );
      this.firstReady = undefined;
      return;
    }
    this.restarts++;
    const interruptedRoutes = this.routesInChild.size;
    for (const route of this.routesInChild) this.interrupted.add(route);
    this.routesInChild.clear();
    try {
      this.opts.onRestart?.({ code, signal, interruptedRoutes });
    } catch {
      // logging must not stop the restart
    }
    const now = Date.now();
    this.exits.push(now);
    while (this.exits.length > 0 && this.exits[0] < now - CRASH_WINDOW_MS) this.exits.shift();
    const delay = this.exits.length > CRASHES_BEFORE_BACKOFF ? BACKOFF_MS : 0;
    this.restartTimer = setTimeout(() => {
      if (!this.stopping) this.spawn();
    }, delay).unref();
  }

  private onMessage(child: ChildProcess, message: FromProxy): void {
    if (child !== this.child) return;
    switch (message.type) {
      case 'ready': {
        this.isReady = true;
        this.firstReady?.resolve();
        this.firstReady = undefined;
        this.send({ type: 'ports', ownPorts: this.ownPorts() });
        for (const { socket, route, timer } of this.waiting.splice(0)) {
          clearTimeout(timer);
          if (!socket.destroyed) this.handOver(socket, route);
        }
        return;
      }
      case 'failure':
        this.failures.add(message.failure);
        return;
      case 'decision':
        try {
          this.opts.onDecision?.(message.event);
        } catch {
          // a broken listener must not break the proxy
        }
        return;
      case 'fault':
        try {
          this.opts.onFault?.(message.message);
        } catch {
          // idem
        }
        return;
      case 'lookup':
        void this.lookup(message.id, message.host);
        return;
    }
  }

  private async lookup(id: number, host: string): Promise<void> {
    try {
      const addresses = await this.opts.lookup!(host);
      this.send({ type: 'lookup-result', id, addresses });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      this.send({ type: 'lookup-result', id, error: { message: String(err?.message), code: err?.code } });
    }
  }
}
