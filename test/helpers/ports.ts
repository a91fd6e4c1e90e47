import type { Server as HttpServer } from 'node:http';
import { AddressInfo, createServer, Server } from 'node:net';

/** A loopback port nothing listens on right now (bound, then released): free to use, or refused to connect. */
export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `server` on a free loopback port and resolves with the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Stops an HTTP(S) test server at once: open keep-alive connections are closed, not waited for. */
export async function closeHttpServer(server: HttpServer): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
