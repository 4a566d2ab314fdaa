import type { SnsPort } from '#shared/ports/sns';

/**
 * Only AWS's own SNS hosts are trusted for certificates and subscription confirmations:
 * `sns.<region>.amazonaws.com[.cn]` with a real region name (ap-northeast-2, us-gov-west-1,
 * cn-north-1), so `sns.s3.amazonaws.com`-style names of other services or buckets are not.
 */
const SNS_HOST = /^sns\.[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}\.amazonaws\.com(\.cn)?$/;

export function isSnsHost(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.port === '' && SNS_HOST.test(u.hostname);
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
