/** A webhook endpoint on 127.0.0.1 for tests: it answers 200 `ok` (or as told) and keeps every request it got, in order. */
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ReceiverAnswer {
  status: number;
  body?: string;
}

export interface WebhookReceiverOptions {
  /** The answer to a request once it is kept (default 200 `ok`); a promise holds the answer back until it settles. */
  respond?: (request: ReceivedRequest) => ReceiverAnswer | Promise<ReceiverAnswer>;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>`: append a path per webhook to tell them apart. */
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Drops open connections (held answers too) and stops listening. */
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const respond = options.respond ?? (() => ({ status: 200, body: 'ok' }));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(request);
      void Promise.resolve(respond(request)).then(
        (answer) => res.writeHead(answer.status).end(answer.body ?? ''),
        () => res.writeHead(500).end('receiver failed'),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
