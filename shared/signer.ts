import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tokens of links in emails (confirmation, unsubscribe, open pixel, click, sender verification). Each is sealed for
 * one purpose with AES-256-GCM: the payload (which names a subscriber's address) is unreadable
 * in the URL, tampering fails, and a token made for one purpose never opens for another (the
 * purpose is the GCM additional data), so a pixel token cannot unsubscribe anyone.
 */
export type LinkPurpose = 'confirm' | 'unsubscribe' | 'open' | 'click' | 'sender';

export interface Signer {
  sign(purpose: LinkPurpose, payload: string, expiresAtSeconds: number): string;
  /**
   * The payload when the token was sealed for this purpose and has not expired, otherwise null.
   * `legacy` admits the HMAC-signed tokens mailed before sealed ones (no purpose of their own):
   * it must check that the payload has this purpose's shape.
   */
  verify(purpose: LinkPurpose, token: string, nowSeconds: number, legacy?: (payload: string) => boolean): string | null;
}

const VERSION = 's1';

export function createSigner(secret: string): Signer {
  // One secret in the stack, two keys derived from it: one seals, one checked the old tokens.
  const key = createHmac('sha256', secret).update('link-token-seal-v1').digest();
  const mac = (data: string) => createHmac('sha256', secret).update(data).digest('base64url');

  const verifyLegacy = (token: string, nowSeconds: number): string | null => {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const [payload, expires, signature] = parts as [string, string, string];
    const expected = Buffer.from(mac(`${payload}.${expires}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    if (!/^\d+$/.test(expires) || Number(expires) < nowSeconds) return null;
    return Buffer.from(payload, 'base64url').toString();
  };

  return {
    sign(purpose, payload, expiresAtSeconds) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(purpose));
      const sealed = Buffer.concat([cipher.update(`${expiresAtSeconds}.${payload}`, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
    },
    verify(purpose, token, nowSeconds, legacy) {
      const parts = token.split('.');
      if (parts[0] !== VERSION || parts.length !== 3) {
        const payload = legacy ? verifyLegacy(token, nowSeconds) : null;
        return payload !== null && legacy!(payload) ? payload : null;
      }
      try {
        const iv = Buffer.from(parts[1]!, 'base64url');
        const sealed = Buffer.from(parts[2]!, 'base64url');
        if (iv.length !== 12 || sealed.length < 17) return null;
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(Buffer.from(purpose));
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString('utf8');
        const dot = plain.indexOf('.');
        const expires = plain.slice(0, dot);
        if (dot < 1 || !/^\d+$/.test(expires) || Number(expires) < nowSeconds) return null;
        return plain.slice(dot + 1);
      } catch {
        return null;
      }
    },
  };
}
