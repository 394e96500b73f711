import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from './registry-server';

export interface SilentServer {
  /** `127.0.0.1:<port>` */
  host: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Connections taken so far. */
  connections(): number;
  stop(): Promise<void>;
}

/**
 * A server on 127.0.0.1 that takes connections and never answers (`silent`), or answers each request with a status
 * line and headers and then sends nothing more (`stall`): the two ways a registry or chart repository hangs a client
 * that waits without a bound. It runs in the test's own event loop, so the code under test must not block it.
 */
export async function startSilentServer(behaviour: 'silent' | 'stall' = 'silent'): Promise<SilentServer> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server =
    behaviour === 'silent'
      ? createServer(() => undefined)
      : createHttpServer((request, response) => {
          request.resume();
          response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100000' });
          response.flushHeaders();
        });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
