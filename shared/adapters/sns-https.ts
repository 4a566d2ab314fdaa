import type { SnsPort } from '#shared/ports/sns';

/** Only AWS's own SNS hosts are trusted for certificates and subscription confirmations. */
export function isSnsHost(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(u.hostname);
  } catch {
    return false;
  }
}

const cache = new Map<string, Promise<string>>();

export const httpsSns: SnsPort = {
  fetchCertificate(url) {
    if (!isSnsHost(url) || !url.endsWith('.pem')) return Promise.reject(new Error('untrusted SNS certificate URL'));
    let pem = cache.get(url);
    if (!pem) {
      pem = fetch(url, { signal: AbortSignal.timeout(5000) }).then(async (r) => {
        if (!r.ok) throw new Error(`certificate fetch failed: ${r.status}`);
        return r.text();
      });
      pem.catch(() => cache.delete(url));
      cache.set(url, pem);
    }
    return pem;
  },
  async confirmSubscription(subscribeUrl) {
    if (!isSnsHost(subscribeUrl)) throw new Error('untrusted SNS subscribe URL');
    const res = await fetch(subscribeUrl, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`subscription confirmation failed: ${res.status}`);
  },
};
