/**
 * Issue 15 (with issue 12's contract): in AWS a regular email's recipient claim is matched by
 * SES's notifications like an automated send's record. A page task dies after SES accepted a
 * message and before the claim was marked sent; the page's next attempt takes the claim over: the
 * one SES reported (its Send event, or a Delivery / Bounce / Complaint, each of which shows SES
 * took it) is recorded sent and not mailed again; the other is mailed once SES's grace has passed.
 * The SES mailer is the real adapter over a mocked SESv2 client (aws-sdk-client-mock).
 */
import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { createList } from './support/lists';
import { verifiedSender } from './support/senders';
import { movableClock, waitFor } from './support/automations';
import { handleSesEvent } from '#shared/mail/bounces';
import { createSesMailer, SES_ACCEPTANCE_GRACE_MS } from '#shared/adapters/ses-mailer';
import { deliver, PAGE_LEASE_MS, sendIdOfRecipient } from '#shared/emails/deliver';
import { keys } from '#shared/table/keys';
import type { SubscriberRecord } from '#shared/subscribers/record';
import type { Deps } from '#shared/runtime/deps';

const clock = movableClock(new Date('2026-03-05T01:00:00Z'));
let app: TestApp;
let api: ApiClient;
let workspaceId: string;
useTestApp((s) => ({ app, api, workspaceId } = s), { clock });

const member = (email: string): SubscriberRecord => {
  const at = clock.now().toISOString();
  return { email, status: 'subscribed', fields: {}, adAgreed: 'N', groupIds: [], createdAt: at, updatedAt: at, statusAt: at, version: 1, addedBy: 'MANUAL' };
};

describe('issue 15: SES notifications match a regular email\'s recipient claims', () => {
  it('a message SES accepted before the page died is recorded sent on the takeover, never mailed twice; an unreported one is mailed after the grace', { timeout: 120_000 }, async () => {
    const listId = await createList(api, 'ses-regular');
    await verifiedSender(api, listId);
    const created = await api.post<{ id: number }>('/v2/emails', { subject: 'SES regular', senderEmail: 'news@example.com', senderName: 'News', listId });
    expect(created.status, created.text).toBe(200);
    const emailId = created.json.id;
    const [accepted, delivered, unreported] = ['accepted@example.com', 'delivered@example.com', 'unreported@example.com'].map(member) as [SubscriberRecord, SubscriberRecord, SubscriberRecord];
    const recipients = [accepted, delivered, unreported];

    const client = new SESv2Client({ region: 'ap-northeast-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const ses = mockClient(client);
    const deps: Deps = { ...app.runtime.deps, mailer: createSesMailer(client) };
    const input = {
      emailId,
      recipients,
      facts: undefined,
      render: ({ subscriber, sendId }: { subscriber: SubscriberRecord; sendId: string }) => ({
        from: { address: 'news@example.com', name: 'News' },
        to: subscriber.email,
        subject: 'SES regular',
        html: '<p>hello</p>',
        tags: { workspaceId, listId: String(listId), emailId: String(emailId), sendIdEcho: sendId },
      }),
    };

    // The first attempt: SES takes the messages, and the page task dies before it hears back.
    ses.on(SendEmailCommand).callsFake(() => new Promise(() => undefined));
    void deliver(deps, input);
    await waitFor(() => ses.commandCalls(SendEmailCommand).length, (n) => n === 3, 60_000);
    expect(ses.commandCalls(SendEmailCommand).length).toBe(3);
    const tagsOf = (call: number) => Object.fromEntries((ses.commandCalls(SendEmailCommand)[call]!.args[0].input.EmailTags ?? []).map((t) => [t.Name, t.Value]));
    const byRecipient = new Map([0, 1, 2].map((i) => [String(tagsOf(i).sendIdEcho), tagsOf(i)]));
    const sendIdOf = (s: SubscriberRecord) => sendIdOfRecipient(emailId, s.email);
    // The SES mailer tags each message with the claim's id: what its notifications name.
    expect(byRecipient.get(sendIdOf(accepted))?.sendId).toBe(sendIdOf(accepted));

    const event = (type: string, s: SubscriberRecord, messageId: string, destination = [s.email]) =>
      JSON.stringify({ eventType: type, mail: { messageId, destination, tags: { workspaceId: [workspaceId], sendId: [sendIdOf(s)], emailId: [String(emailId)] } }, ...(type === 'Delivery' ? { delivery: {} } : {}) });
    // A tag whose id does not hash from the destination names no claim.
    expect(await handleSesEvent(deps, event('Send', accepted, 'forged', [unreported.email]))).toMatchObject({ kind: 'ignored' });
    expect(await handleSesEvent(deps, event('Send', accepted, 'ses-0001'))).toEqual({ kind: 'accepted' });
    // Its Send event lost, a Delivery shows the same.
    expect(await handleSesEvent(deps, event('Delivery', delivered, 'ses-0002'))).toEqual({ kind: 'accepted' });
    const claim = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.emailRecipient(emailId, accepted.email) }));
    expect(claim.Item).toMatchObject({ status: 'sending', acceptedMessageId: 'ses-0001' });

    // The page is tried again once the dead attempt's lease ended: inside SES's grace.
    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-new' });
    clock.advance(PAGE_LEASE_MS + 1_000);
    expect(await deliver(deps, input)).toEqual({ sent: 2, failed: 0, held: 1 });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    // After the grace, the message SES never reported is mailed; the two it did are not.
    clock.advance(SES_ACCEPTANCE_GRACE_MS);
    expect(await deliver(deps, input)).toEqual({ sent: 1, failed: 0, held: 0 });
    expect(ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input.EmailTags?.find((t) => t.Name === 'sendId')?.Value)).toEqual([sendIdOf(unreported)]);

    const logs = await api.get<{ items: Array<{ subscriber: string; action: string; value2: string }> }>(`/v2/emails/${emailId}/logs`);
    expect(logs.status, logs.text).toBe(200);
    const entry = (email: string) => logs.json.items.filter((i) => i.subscriber === email);
    expect(entry(accepted.email)).toEqual([expect.objectContaining({ action: 'P', value2: '250\nok ses-0001' })]);
    expect(entry(delivered.email)).toEqual([expect.objectContaining({ action: 'P', value2: '250\nok ses-0002' })]);
    expect(entry(unreported.email)).toEqual([expect.objectContaining({ action: 'P', value2: '250\nok ses-new' })]);
  });
});
