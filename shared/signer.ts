import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tokens of links in emails (confirmation, unsubscribe, open pixel, click, sender verification). Each is sealed for
 * one purpose with AES-256-GCM: the payload (which names a subscriber's address) is unreadable
 * in the URL, tampering fails, and a token made for one purpose never opens for another (the
 * purpose is the GCM additional data), so a pixel token cannot unsubscribe anyone.
 */
export type LinkPurpose = 'confirm' | 'unsubscribe' | 'open' | 'click' | 'sender' | 'form';

export interface Signer {
  sign(purpose: LinkPurpose, payload: string, expiresAtSeconds: number): string;
  /**
   * The payload when the token was sealed for this purpose and has not expired, otherwise null.
   * `legacy` admits the HMAC-signed tokens mailed before sealed ones (no purpose of their own):
   * it must check that the payload has this purpose's shape.
   */
  verify(purpose: LinkPurpose, token: string, nowSeconds: number, legacy?: (payload: string) => boolean): string | null;
  /**
   * A key that names `payload` for `purpose`, the same every time and never expiring (a
   * subscription form's public key, issue 15): readable payload, MAC-checked, so it cannot be forged.
   */
  stableKey(purpose: LinkPurpose, payload: string): string;
  /** The payload of a stableKey made for this purpose, otherwise null. */
  openStableKey(purpose: LinkPurpose, key: string): string | null;
}

const VERSION = 's1';

/**
 * Issue 17: the longest any signed link lives (unsubscribe links, 365 days; tracking links and
 * confirmations live less). A secret retired by a rotation is kept for verification this long,
 * so every link signed before the rotation works for its whole lifetime.
 */
export const LINK_MAX_LIFETIME_DAYS = 365;

/**
 * The link-signing secret as stored (Secrets Manager in AWS, local-state.json locally): the
 * current secret signs; retired ones only verify until `keepUntil`. A plain string (what the
 * stack generates, and every secret before issue 17) is a keyring of one.
 */
export interface SigningKeyring {
  current: string;
  /**
   * A rotation's new secret: it verifies at once and signs from `activeAt`, by when every running
   * function has read it (AWS functions read the secret again every SIGNING_SECRET_REFRESH_MS), so
   * no function meets a link signed with a secret it does not know yet.
   */
  next?: { secret: string; activeAt: string };
  previous: Array<{ secret: string; retiredAt: string; keepUntil: string }>;
}

/** How often a warm AWS function reads the link-signing secret again (shared/runtime/aws-deps.ts). */
export const SIGNING_SECRET_REFRESH_MS = 5 * 60_000;
/** How long after an AWS rotation the new secret starts signing: three refreshes. */
export const ROTATION_ACTIVATION_MS = 3 * SIGNING_SECRET_REFRESH_MS;

export function parseSigningSecret(raw: string): SigningKeyring {
  const text = raw.trim();
  if (text.startsWith('{')) {
    const parsed = JSON.parse(text) as Partial<SigningKeyring>;
    if (typeof parsed.current !== 'string' || !parsed.current) throw new Error('the link-signing secret is JSON without a "current" secret');
    const previous = Array.isArray(parsed.previous) ? parsed.previous.filter((p) => p && typeof p.secret === 'string' && p.secret && typeof p.keepUntil === 'string') : [];
    const next = parsed.next && typeof parsed.next.secret === 'string' && typeof parsed.next.activeAt === 'string' ? { next: parsed.next } : {};
    return { current: parsed.current, ...next, previous };
  }
  return { current: raw, previous: [] };
}

export const serializeSigningKeyring = (keyring: SigningKeyring): string => JSON.stringify(keyring);

const retire = (secret: string, at: Date) => ({ secret, retiredAt: at.toISOString(), keepUntil: new Date(at.getTime() + LINK_MAX_LIFETIME_DAYS * 86_400_000).toISOString() });

/**
 * A rotation: a new secret that signs from `now + activationMs` (0 locally, where one process
 * reads the secret at its start; ROTATION_ACTIVATION_MS in AWS); the secret it replaces verifies
 * for LINK_MAX_LIFETIME_DAYS after that; retired secrets past their time are dropped. Refused
 * while an earlier rotation has yet to start signing.
 */
export function rotateSigningKeyring(keyring: SigningKeyring, now: Date, activationMs = 0, secret: string = randomBytes(32).toString('hex')): SigningKeyring {
  let { current, previous } = keyring;
  if (keyring.next) {
    const activeAt = new Date(keyring.next.activeAt);
    if (activeAt.getTime() > now.getTime()) throw new Error(`the previous rotation starts signing at ${keyring.next.activeAt}: rotate again after that`);
    previous = [retire(current, activeAt), ...previous];
    current = keyring.next.secret;
  }
  const activeAt = new Date(now.getTime() + activationMs);
  const kept = previous.filter((p) => Date.parse(p.keepUntil) > now.getTime());
  return activationMs > 0
    ? { current, next: { secret, activeAt: activeAt.toISOString() }, previous: kept }
    : { current: secret, previous: [retire(current, now), ...kept] };
}

/** What one secret signs and opens. */
function keyOf(secret: string) {
  // One secret, two keys derived from it: one seals, one checked the old tokens.
  const key = createHmac('sha256', secret).update('link-token-seal-v1').digest();
  const mac = (data: string) => createHmac('sha256', secret).update(data).digest('base64url');
  const stableMac = (purpose: LinkPurpose, payload: string) => createHmac('sha256', key).update(`stable-key-v1|${purpose}|${payload}`).digest('base64url').slice(0, 27);

  return {
    verifyLegacy(token: string, nowSeconds: number): string | null {
      const parts = token.split('.');
      if (parts.length !== 3) return null;
      const [payload, expires, signature] = parts as [string, string, string];
      const expected = Buffer.from(mac(`${payload}.${expires}`));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
      if (!/^\d+$/.test(expires) || Number(expires) < nowSeconds) return null;
      return Buffer.from(payload, 'base64url').toString();
    },
    stableKey(purpose: LinkPurpose, payload: string) {
      return `${Buffer.from(payload).toString('base64url')}.${stableMac(purpose, payload)}`;
    },
    openStableKey(purpose: LinkPurpose, stable: string): string | null {
      const [encoded, given, ...rest] = stable.split('.');
      if (!encoded || !given || rest.length) return null;
      const payload = Buffer.from(encoded, 'base64url').toString('utf8');
      const expected = Buffer.from(stableMac(purpose, payload));
      const got = Buffer.from(given);
      return expected.length === got.length && timingSafeEqual(expected, got) ? payload : null;
    },
    sign(purpose: LinkPurpose, payload: string, expiresAtSeconds: number) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(purpose));
      const sealed = Buffer.concat([cipher.update(`${expiresAtSeconds}.${payload}`, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
    },
    verifySealed(purpose: LinkPurpose, parts: string[], nowSeconds: number): string | null {
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

/**
 * A signer over a secret or a keyring: signs with the current secret, opens with the current
 * and every retired one still in its keepUntil (issue 17: rotation keeps old links working).
 */
export function createSigner(secret: string | SigningKeyring, now: () => number = Date.now): Signer {
  const keyring = typeof secret === 'string' ? { current: secret, previous: [] } : secret;
  const current = keyOf(keyring.current);
  const next = keyring.next ? { from: Date.parse(keyring.next.activeAt), key: keyOf(keyring.next.secret) } : undefined;
  const retired = keyring.previous.map((p) => ({ until: Date.parse(p.keepUntil), key: keyOf(p.secret) }));
  const signing = () => (next && now() >= next.from ? next.key : current);
  /** The signing key first, then the others, and the retired ones still kept at `atMs`. */
  const verifiers = (atMs: number) => {
    const all = [current, ...(next ? [next.key] : []), ...retired.filter((r) => r.until > atMs).map((r) => r.key)];
    const first = signing();
    return [first, ...all.filter((k) => k !== first)];
  };
  const first = <T>(keys: ReturnType<typeof keyOf>[], open: (k: ReturnType<typeof keyOf>) => T | null): T | null => {
    for (const k of keys) {
      const found = open(k);
      if (found !== null) return found;
    }
    return null;
  };

  return {
    stableKey: (purpose, payload) => signing().stableKey(purpose, payload),
    openStableKey: (purpose, stable) => first(verifiers(now()), (k) => k.openStableKey(purpose, stable)),
    sign: (purpose, payload, expiresAtSeconds) => signing().sign(purpose, payload, expiresAtSeconds),
    verify(purpose, token, nowSeconds, legacy) {
      const parts = token.split('.');
      const keys = verifiers(nowSeconds * 1000);
      if (parts[0] !== VERSION || parts.length !== 3) {
        const payload = legacy ? first(keys, (k) => k.verifyLegacy(token, nowSeconds)) : null;
        return payload !== null && legacy!(payload) ? payload : null;
      }
      return first(keys, (k) => k.verifySealed(purpose, parts, nowSeconds));
    },
  };
}
