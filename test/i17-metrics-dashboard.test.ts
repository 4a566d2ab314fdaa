/**
 * Issue 17: the business metrics as the code emits them (Powertools EMF on stdout in AWS; the
 * dashboard built from the same names is checked in test/infra.test.ts), and the link-signing
 * keyring that lets the secret rotate while old links keep working.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createEmfMetrics } from '#shared/adapters/emf-metrics';
import { createLocalMetrics } from '#shared/adapters/local-metrics';
import { countSends } from '#shared/metrics/sends';
import { metricCatalog, metricNames, METRICS_NAMESPACE, METRICS_SERVICE } from '#shared/metrics/names';
import { createSigner, parseSigningSecret, rotateSigningKeyring, LINK_MAX_LIFETIME_DAYS, ROTATION_ACTIVATION_MS } from '#shared/signer';
import { rotateAwsLinkSecret } from '#shared/operator/link-secret';

type Emf = { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } } & Record<string, unknown>;

/** The EMF lines written to stdout while `run` runs. */
function emfLines(run: () => void): Emf[] {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return written.flatMap((w) => w.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Emf);
}

afterEach(() => vi.restoreAllMocks());

describe('issue 17: EMF metrics (AWS adapter, Powertools Metrics)', () => {
  it('a page of sends is written as EMF lines: sent, dropped, failed by reason class, in the namespace and with the dimensions the dashboard reads', () => {
    const lines = emfLines(() => {
      const metrics = createEmfMetrics();
      countSends(metrics, 'automation', [{ kind: 'sent' }, { kind: 'sent' }, { kind: 'dropped' }, { kind: 'failed', reason: 'gave up after 5 attempts: 421 try later' }, { kind: 'retry', reason: 'x' }]);
    });
    const byName = new Map(lines.map((l) => [l._aws.CloudWatchMetrics[0]!.Metrics[0]!.Name, l]));
    expect([...byName.keys()].sort()).toEqual(['EmailsDropped', 'EmailsFailed', 'EmailsSent']);
    for (const [name, line] of byName) {
      const directive = line._aws.CloudWatchMetrics[0]!;
      expect(directive.Namespace).toBe(METRICS_NAMESPACE);
      expect(directive.Dimensions[0]!.sort()).toEqual(['service', ...metricCatalog[name as keyof typeof metricCatalog].dimensions].sort());
      expect(line.service).toBe(METRICS_SERVICE);
      expect(line.Source).toBe('automation');
    }
    expect(byName.get('EmailsSent')!.EmailsSent).toBe(2);
    expect(byName.get('EmailsDropped')!.EmailsDropped).toBe(1);
    expect(byName.get('EmailsFailed')).toMatchObject({ EmailsFailed: 1, Reason: 'RetriesExhausted' });
  });

  it('every metric of the catalog is written with its unit and all its dimensions; nothing for a zero', () => {
    const lines = emfLines(() => {
      const metrics = createEmfMetrics();
      for (const name of metricNames) metrics.add(name, 3, Object.fromEntries(metricCatalog[name].dimensions.map((d) => [d, 'x'])) as never);
      metrics.add('EmailsSent', 0, { Source: 'email' });
    });
    expect(lines).toHaveLength(metricNames.length);
    for (const line of lines) {
      const metric = line._aws.CloudWatchMetrics[0]!.Metrics[0]!;
      expect(metric.Unit).toBe(metricCatalog[metric.Name as keyof typeof metricCatalog].unit);
      expect(line[metric.Name]).toBe(3);
    }
  });

  it('the local adapter sums the same figures per dimensions', () => {
    const metrics = createLocalMetrics();
    countSends(metrics, 'email', [{ kind: 'sent' }, { kind: 'failed', reason: 'SENDER_NOT_VERIFIED: a' }, { kind: 'failed', reason: '550 no such user' }]);
    countSends(metrics, 'email', [{ kind: 'sent' }]);
    expect(metrics.total('EmailsSent', { Source: 'email' })).toBe(2);
    expect(metrics.total('EmailsFailed')).toBe(2);
    expect(metrics.total('EmailsFailed', { Reason: 'SenderNotVerified' })).toBe(1);
  });
});

describe('issue 17: the link-signing keyring', () => {
  const now = new Date('2026-05-01T00:00:00Z');
  const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
  const inDays = (d: number) => seconds(now) + d * 86_400;

  it('after a rotation old links open for their lifetime, new ones are signed with the new secret, forged ones never open', () => {
    const old = createSigner('old-secret');
    const oldLink = old.sign('unsubscribe', 'payload', inDays(365));
    const oldForm = old.stableKey('form', '7');
    const rotated = rotateSigningKeyring(parseSigningSecret('old-secret'), now);
    const signer = createSigner(rotated, () => now.getTime());
    expect(signer.verify('unsubscribe', oldLink, seconds(now))).toBe('payload');
    expect(signer.verify('unsubscribe', oldLink, inDays(364))).toBe('payload');
    expect(signer.openStableKey('form', oldForm)).toBe('7');
    const newLink = signer.sign('unsubscribe', 'fresh', inDays(30));
    expect(old.verify('unsubscribe', newLink, seconds(now))).toBeNull();
    expect(signer.verify('unsubscribe', newLink, seconds(now))).toBe('fresh');
    // Forged: sealed with another secret, or tampered with.
    expect(signer.verify('unsubscribe', createSigner('attacker').sign('unsubscribe', 'payload', inDays(30)), seconds(now))).toBeNull();
    expect(signer.verify('unsubscribe', `${oldLink.slice(0, -2)}AA`, seconds(now))).toBeNull();
    // A purpose stays a purpose across secrets.
    expect(signer.verify('open', oldLink, seconds(now))).toBeNull();
    // The retired secret is dropped after the longest link lifetime.
    expect(rotated.previous[0]!.keepUntil).toBe(new Date(now.getTime() + LINK_MAX_LIFETIME_DAYS * 86_400_000).toISOString());
    const later = createSigner(rotated, () => now.getTime() + (LINK_MAX_LIFETIME_DAYS + 1) * 86_400_000);
    expect(later.openStableKey('form', oldForm)).toBeNull();
    const twice = rotateSigningKeyring(rotated, new Date(now.getTime() + (LINK_MAX_LIFETIME_DAYS + 1) * 86_400_000));
    expect(twice.previous.map((p) => p.secret)).toEqual([rotated.current]);
  });

  it('AWS: the new secret verifies at once and signs only from its activation, when every function has read it; a second rotation waits for it', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'stack-generated-secret' });
    sm.on(PutSecretValueCommand).resolves({});
    const keyring = await rotateAwsLinkSecret('arn:secret', now, new SecretsManagerClient({}));
    const written = parseSigningSecret(String(sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input.SecretString));
    expect(written).toEqual(keyring);
    expect(written.current).toBe('stack-generated-secret');
    expect(written.next!.activeAt).toBe(new Date(now.getTime() + ROTATION_ACTIVATION_MS).toISOString());
    const before = createSigner(written, () => now.getTime());
    const after = createSigner(written, () => now.getTime() + ROTATION_ACTIVATION_MS);
    const plain = createSigner('stack-generated-secret');
    // Before activation the old secret signs (functions that have not read the keyring yet can open it)...
    expect(plain.verify('click', before.sign('click', 'p', inDays(1)), seconds(now))).toBe('p');
    // ...and the new one already verifies; after it, the new one signs.
    expect(plain.verify('click', after.sign('click', 'p', inDays(1)), seconds(now))).toBeNull();
    expect(before.verify('click', after.sign('click', 'p', inDays(1)), seconds(now))).toBe('p');
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(written) });
    await expect(rotateAwsLinkSecret('arn:secret', now, new SecretsManagerClient({}))).rejects.toThrow(/starts signing at/);
    const third = await rotateAwsLinkSecret('arn:secret', new Date(now.getTime() + ROTATION_ACTIVATION_MS), new SecretsManagerClient({}));
    expect(third.current).toBe(written.next!.secret);
    expect(third.previous.map((p) => p.secret)).toEqual(['stack-generated-secret']);
    sm.restore();
  });
});
