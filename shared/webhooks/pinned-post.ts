/**
 * SPEC R4: a webhook POST that connects only to an address it has checked. The host is
 * resolved once, every address is checked against the internal ranges, and the connection goes
 * to a checked address (node's `lookup` hook), so a name that answers a public address to the
 * check and 127.0.0.1 to the connect (DNS rebinding) reaches nothing internal. TLS still
 * verifies the certificate against the host name.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { HostResolver } from '#shared/ports/host-resolver';
import { isInternalAddress, parseDeliverableUrl } from './url-guard';

export const systemResolver: HostResolver = (host) => dnsLookup(host, { all: true, verbatim: true });

export interface PostResult {
  status: number | null;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface PinnedPostOptions {
  readonly timeoutMs: number;
  /** Locally loopback receivers are allowed (the runtime's flag); in AWS never. */
  readonly allowPrivate: boolean;
  readonly resolve?: HostResolver;
}

class Refused extends Error {}

/** A `lookup` for node:http that answers only addresses resolved once and found public. */
function pinnedLookup(resolve: HostResolver, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname)
      .then((found) => {
        if (found.length === 0) throw new Refused('the host does not resolve');
        if (!allowPrivate && found.some((a) => isInternalAddress(a.address))) {
          throw new Refused('private, loopback and link-local addresses are refused');
        }
        const wanted = options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : found;
        if (wanted.length === 0) throw new Refused('the host has no address of the wanted family');
        if (options.all) callback(null, wanted.map((a) => ({ address: a.address, family: a.family })));
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      })
      .catch((error: Error) => callback(Object.assign(error, { code: 'ENOTFOUND' }), '', 0));
  };
}

export async function pinnedPost(rawUrl: string, body: string, headers: Record<string, string>, options: PinnedPostOptions): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = parseDeliverableUrl(rawUrl);
  } catch (error) {
    return { status: null, ok: false, latencyMs: 0, error: (error as Error).message };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !options.allowPrivate && isInternalAddress(host)) {
    return { status: null, ok: false, latencyMs: 0, error: 'private, loopback and link-local addresses are refused' };
  }
  const requestOptions: RequestOptions = {
    method: 'POST',
    headers: { 'Content-Length': Buffer.byteLength(body), ...headers },
    lookup: pinnedLookup(options.resolve ?? systemResolver, options.allowPrivate),
    timeout: options.timeoutMs,
    // One connection per delivery: a pooled socket would skip the lookup.
    agent: false,
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostResult>((resolvePost) => {
    const req = send(url, requestOptions, (res) => {
      // Redirects are not followed (a 3xx is an answer, not a hop to somewhere internal).
      res.resume();
      res.on('end', () => resolvePost({ status: res.statusCode ?? null, ok: (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300, latencyMs: elapsed() }));
      res.on('error', (error) => resolvePost({ status: null, ok: false, latencyMs: elapsed(), error: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    // A refused address reports no latency: nothing internal was reached or measured.
    req.on('error', (error) => resolvePost({ status: null, ok: false, latencyMs: error instanceof Refused ? 0 : elapsed(), error: error.message }));
    req.end(body);
  });
}
