import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from './registry-server';

export interface ProxiedRequest {
  method: string;
  path: string;
  query: string;
  authorization?: string;
}

export interface HttpProxy {
  /** `127.0.0.1:<port>`: use it as the registry host. */
  host: string;
  /** Every request received, in order. */
  requests: ProxiedRequest[];
  stop(): Promise<void>;
}

export interface HttpProxyOptions {
  /** Answers a request itself (returns true) instead of forwarding it; `index` counts requests from 1. */
  intercept?: (incoming: IncomingMessage, outgoing: ServerResponse, index: number) => boolean;
  /** Changes the headers of the upstream's answers. */
  rewrite?: (headers: IncomingHttpHeaders) => IncomingHttpHeaders;
}

/**
 * A plain-http reverse proxy in this process in front of a test server on 127.0.0.1, recording requests, that may
 * answer or drop some of them itself: how tests make a real registry fail in a chosen way.
 */
export async function startHttpProxy(targetPort: number, options: HttpProxyOptions = {}): Promise<HttpProxy> {
  const port = await freePort();
  const requests: ProxiedRequest[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const url = new URL(incoming.url ?? '/', 'http://proxy');
    requests.push({ method: incoming.method ?? '', path: url.pathname, query: url.search, authorization: incoming.headers.authorization });
    if (options.intercept?.(incoming, outgoing, requests.length)) {
      incoming.resume();
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port: targetPort, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, options.rewrite ? options.rewrite(answer.headers) : answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
