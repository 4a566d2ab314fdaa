import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-signed, expiring tokens for links in emails (confirmation, and later unsubscribe/tracking). */
export interface Signer {
  sign(payload: string, expiresAtSeconds: number): string;
  /** The payload when the signature holds and the token has not expired, otherwise null. */
  verify(token: string, nowSeconds: number): string | null;
}

export function createSigner(secret: string): Signer {
  const mac = (data: string) => createHmac('sha256', secret).update(data).digest('base64url');
  return {
    sign(payload, expiresAtSeconds) {
      const body = `${Buffer.from(payload).toString('base64url')}.${expiresAtSeconds}`;
      return `${body}.${mac(body)}`;
    },
    verify(token, nowSeconds) {
      const parts = token.split('.');
      if (parts.length !== 3) return null;
      const [payload, expires, signature] = parts as [string, string, string];
      const expected = Buffer.from(mac(`${payload}.${expires}`));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
      if (!/^\d+$/.test(expires) || Number(expires) < nowSeconds) return null;
      return Buffer.from(payload, 'base64url').toString();
    },
  };
}
