import { createServer, request, type Server } from 'node:http';
import { freePort } from './registry-server';

export interface FaultProxy {
  /** `127.0.0.1:<port>`: use it as the registry host. */
  host: string;
  stats: { requests: number; failedWith503: number; dropped: number };
  stop(): Promise<void>;
}

/**
 * A plain-http reverse proxy in front of a test registry that fails a share of requests: every `every`-th request
 * gets a 503, and the one after it has its connection dropped without an answer. Deterministic, so a test run can
 * be repeated exactly; only requests to 127.0.0.1 are made.
 */
export async function startFaultProxy(targetPort: number, every = 4): Promise<FaultProxy> {
  const port = await freePort();
  const stats = { requests: 0, failedWith503: 0, dropped: 0 };
  const server: Server = createServer((incoming, outgoing) => {
    stats.requests++;
    const position = stats.requests % every;
    if (position === 0) {
      stats.failedWith503++;
      incoming.resume();
      outgoing.writeHead(503, { 'Content-Type': 'application/json' });
      outgoing.end('{"errors":[{"code":"UNAVAILABLE","message":"injected fault"}]}');
      return;
    }
    if (position === 1 && stats.requests > 1) {
      stats.dropped++;
      incoming.resume();
      incoming.socket.destroy();
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port: targetPort, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${port}`,
    stats,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
