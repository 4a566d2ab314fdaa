/** SPEC M2: SES bounces and complaints through a signature-checked SNS endpoint. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { startTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, counts, createList, subscribe } from './support/lists';
import { stringToSign, type SnsMessage } from '#shared/mail/sns-signature';
import { isSnsHost } from '#shared/adapters/sns-https';
import { keys } from '#shared/table/keys';
import { startWebhookReceiver } from './support/webhook-receiver';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const CERT_URL = 'https://sns.ap-northeast-2.amazonaws.com/SimpleNotificationService-test.pem';
const confirmed: string[] = [];

let app: TestApp;
let api: ApiClient;
let workspaceId: string;
beforeAll(async () => {
  app = await startTestApp({
    sns: {
      fetchCertificate: async (url) => {
        if (url !== CERT_URL) throw new Error('unknown certificate');
        return publicKey.export({ type: 'spki', format: 'pem' }).toString();
      },
      confirmSubscription: async (url) => {
        confirmed.push(url);
      },
    },
  });
  ({ api, workspaceId } = await app.newWorkspace());
});
afterAll(() => app.close());

function signed(fields: Omit<SnsMessage, 'Signature' | 'SignatureVersion' | 'SigningCertURL'>, version = '2'): SnsMessage {
  const message = { ...fields, SignatureVersion: version, SigningCertURL: CERT_URL } as SnsMessage;
  const signature = createSign(version === '2' ? 'RSA-SHA256' : 'RSA-SHA1').update(stringToSign({ ...message, Signature: '' })).sign(privateKey, 'base64');
  return { ...message, Signature: signature };
}

const notification = (ses: unknown, id = Math.random().toString(36)) =>
  signed({ Type: 'Notification', MessageId: id, TopicArn: 'arn:aws:sns:ap-northeast-2:1:ses-events', Message: JSON.stringify(ses), Timestamp: new Date().toISOString() });

const post = (body: unknown) =>
  fetch(`${app.url}/v1/ses/notifications`, { method: 'POST', headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: JSON.stringify(body) });

const bounce = (email: string, bounceType: string, ws = workspaceId) => ({
  eventType: 'Bounce',
  bounce: { bounceType, bouncedRecipients: [{ emailAddress: email }] },
  mail: { tags: { workspaceId: [ws] } },
});

describe('M2 bounces and complaints', () => {
  it('M2: a permanent bounce auto-deletes the address in every list of the workspace that holds it', async () => {
    const a = await createList(api, 'a');
    const b = await createList(api, 'b');
    const c = await createList(api, 'c');
    await subscribe(api, a, { subscribers: [{ email: 'hard@x.com' }, { email: 'ok@x.com' }] });
    await subscribe(api, b, { subscribers: [{ email: 'Hard@X.com' }] });
    await subscribe(api, c, { subscribers: [{ email: 'ok@x.com' }] });
    const res = await post(notification(bounce('HARD@x.com', 'Permanent')));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('auto-deleted');
    for (const list of [a, b]) expect((await allSubscribers(api, list)).get('hard@x.com')?.status).toBe('autoDeleted');
    expect(await counts(api, a)).toEqual({ subscribed: 1, unsubscribed: 0, autoDeleted: 1, total: 2 });
    expect((await allSubscribers(api, a)).get('ok@x.com')?.status).toBe('subscribed');
  });

  it('M2/L10: the auto-deletion reaches list webhooks as a DELETED event', async () => {
    const receiver = await startWebhookReceiver();
    const bodies = receiver.received;
    try {
      const list = await createList(api);
      await api.post(`/v2/lists/${list}/webhooks`, { name: 'w', url: `${receiver.url}/`, events: ['DELETED'] });
      await subscribe(api, list, { subscribers: [{ email: 'gone@x.com' }] });
      await post(notification(bounce('gone@x.com', 'Permanent')));
      for (let i = 0; i < 100 && bodies.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(bodies.map((b) => JSON.parse(b.body))).toEqual([
        expect.objectContaining({ id: String(list), action: 'DELETED', subscribers: [{ email: 'gone@x.com' }] }),
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('M2: a complaint auto-deletes too; a transient bounce is only counted', async () => {
    const list = await createList(api);
    await subscribe(api, list, { subscribers: [{ email: 'angry@x.com' }, { email: 'soft@x.com' }] });
    await post(notification({ notificationType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: 'angry@x.com' }] }, mail: { tags: { workspaceId: [workspaceId] } } }));
    expect((await allSubscribers(api, list)).get('angry@x.com')?.status).toBe('autoDeleted');
    const soft = await post(notification(bounce('soft@x.com', 'Transient')));
    expect(await soft.text()).toBe('counted');
    expect((await allSubscribers(api, list)).get('soft@x.com')?.status).toBe('subscribed');
    const ws = await app.runtime.deps.db.send(new GetCommand({ TableName: app.runtime.deps.tableName, Key: keys.workspace(workspaceId) }));
    expect(ws.Item?.transientBounces).toBe(1);
  });

  it('M2: lists with useSubscriberAutoDelete off keep hard-bounced subscribers', async () => {
    const list = await createList(api);
    await api.put(`/v2/lists/${list}`, { useSubscriberAutoDelete: false });
    await subscribe(api, list, { subscribers: [{ email: 'keep@x.com' }] });
    await post(notification(bounce('keep@x.com', 'Permanent')));
    expect((await allSubscribers(api, list)).get('keep@x.com')?.status).toBe('subscribed');
  });

  it('M2: a bad signature, a foreign certificate URL or another workspace changes nothing', async () => {
    const list = await createList(api);
    await subscribe(api, list, { subscribers: [{ email: 'safe@x.com' }] });
    const good = notification(bounce('safe@x.com', 'Permanent'));
    const forged = { ...good, Message: JSON.stringify(bounce('safe@x.com', 'Permanent', 'other')) };
    expect((await post({ ...good, Signature: good.Signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })).status).toBe(403);
    expect((await post(forged)).status).toBe(403);
    expect((await post({ ...good, SigningCertURL: 'https://evil.example.com/cert.pem' })).status).toBe(403);
    expect((await post(notification(bounce('safe@x.com', 'Permanent', 'someone-else')))).status).toBe(200);
    expect((await allSubscribers(api, list)).get('safe@x.com')?.status).toBe('subscribed');
    expect(isSnsHost('https://sns.us-east-1.amazonaws.com/x.pem')).toBe(true);
    expect(isSnsHost('https://sns.us-east-1.amazonaws.com.evil.com/x.pem')).toBe(false);
    expect(isSnsHost('http://sns.us-east-1.amazonaws.com/x.pem')).toBe(false);
  });

  it('M2 (issue 14): only sns.<region>.amazonaws.com[.cn] hosts, no replays older than an hour, and no 500 for a body that is no message', async () => {
    for (const host of ['sns.s3.amazonaws.com', 'sns.my-bucket.amazonaws.com', 'sns.execute-api.amazonaws.com', 'sns.ap-northeast-2.amazonaws.com:8443'])
      expect(isSnsHost(`https://${host}/x.pem`), host).toBe(false);
    for (const host of ['sns.ap-northeast-2.amazonaws.com', 'sns.us-gov-west-1.amazonaws.com', 'sns.cn-north-1.amazonaws.com.cn'])
      expect(isSnsHost(`https://${host}/x.pem`), host).toBe(true);

    const list = await createList(api);
    await subscribe(api, list, { subscribers: [{ email: 'replay@x.com' }] });
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString();
    const stale = signed({ Type: 'Notification', MessageId: 'old-1', TopicArn: 'arn:aws:sns:ap-northeast-2:1:ses-events', Message: JSON.stringify(bounce('replay@x.com', 'Permanent')), Timestamp: twoHoursAgo });
    expect((await post(stale)).status).toBe(403);
    expect((await allSubscribers(api, list)).get('replay@x.com')?.status).toBe('subscribed');

    for (const body of [null, [], 'text', 42]) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('M2: the topic subscription is confirmed through its SubscribeURL, signature first', async () => {
    const url = 'https://sns.ap-northeast-2.amazonaws.com/?Action=ConfirmSubscription&Token=abc';
    const message = signed({ Type: 'SubscriptionConfirmation', MessageId: 'm1', TopicArn: 'arn:aws:sns:ap-northeast-2:1:ses-events', Message: 'confirm', Timestamp: new Date().toISOString(), Token: 'abc', SubscribeURL: url }, '1');
    expect((await post(message)).status).toBe(200);
    expect(confirmed).toEqual([url]);
  });
});
