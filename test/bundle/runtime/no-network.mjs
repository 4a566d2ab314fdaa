/**
 * Preloaded (`node --import`) into every bundle process of the bundle test (issue 11): only
 * loopback addresses may be reached, as the bundle test's stub and DynamoDB Local listen there.
 * Anything else (a connect, a DNS look-up, a UDP send) fails at once the way an unreachable
 * host would, and is reported to the harness over IPC so the test can say who tried to go where.
 */
import net from 'node:net';
import dns from 'node:dns';
import dgram from 'node:dgram';

const loopbackNames = new Set(['localhost', 'localhost.', '::1', '[::1]']);
const isLoopback = (host) => {
  if (host === undefined || host === null || host === '') return true; // net's default host is localhost
  const h = String(host).toLowerCase();
  return loopbackNames.has(h) || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
};
const report = (kind, host, port) => {
  try {
    process.send?.({ type: 'net-refused', kind, host: String(host), port: port === undefined ? undefined : Number(port) });
  } catch {
    // The channel may be closing; the refusal itself still happens.
  }
};
const refusal = (syscall, code, host, port) =>
  Object.assign(new Error(`${syscall} ${code} ${host}${port !== undefined ? `:${port}` : ''} (bundle test: only loopback addresses are reachable)`), {
    code,
    errno: code === 'ENOTFOUND' ? -3008 : -111,
    syscall,
    hostname: host,
    address: host,
    port,
  });

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function patchedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  let port;
  let path;
  if (first !== null && typeof first === 'object') {
    host = first.host;
    port = first.port;
    path = first.path;
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    path = first;
  } else {
    port = first;
    host = typeof args[1] === 'string' ? args[1] : undefined;
  }
  if (path === undefined && !isLoopback(host)) {
    report('connect', host, port);
    const error = refusal('connect', 'ECONNREFUSED', host, port);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function patchedLookup(hostname, options, callback) {
  const cb = typeof options === 'function' ? options : callback;
  if (!isLoopback(hostname) && net.isIP(String(hostname)) === 0) {
    report('dns', hostname);
    process.nextTick(() => cb(refusal('getaddrinfo', 'ENOTFOUND', hostname)));
    return {};
  }
  return lookup.call(this, hostname, options, callback);
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = async function patchedPromisesLookup(hostname, options) {
  if (!isLoopback(hostname) && net.isIP(String(hostname)) === 0) {
    report('dns', hostname);
    throw refusal('getaddrinfo', 'ENOTFOUND', hostname);
  }
  return promisesLookup.call(this, hostname, options);
};
for (const name of ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveMx', 'resolveTxt', 'resolveSrv', 'resolveNs']) {
  const original = dns.promises[name];
  if (typeof original === 'function') {
    dns.promises[name] = async (hostname, ...rest) => {
      if (!isLoopback(hostname)) {
        report('dns', hostname);
        throw refusal('query', 'ENOTFOUND', hostname);
      }
      return original.call(dns.promises, hostname, ...rest);
    };
  }
}

const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function patchedSend(msg, ...rest) {
  const address = rest.find((a) => typeof a === 'string');
  if (!isLoopback(address)) {
    report('udp', address);
    const cb = rest.find((a) => typeof a === 'function');
    if (cb) process.nextTick(() => cb(refusal('send', 'ECONNREFUSED', address)));
    return;
  }
  return send.call(this, msg, ...rest);
};
