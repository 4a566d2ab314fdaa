/**
 * Sender addresses below the HTTP API (issue 13): the SES v2 adapter of the identity port
 * (aws-sdk-client-mock) and, through HTTP, the domain's rule for an address SES already knows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AlreadyExistsException,
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  NotFoundException,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { createSesSenderIdentities } from '#shared/adapters/ses-sender-identities';
import { setSenderIdentities } from '#shared/senders/identities';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { createList } from './support/lists';
import { senderLinkIn } from './support/senders';

const ses = mockClient(SESv2Client);
const client = () => new SESv2Client({ region: 'ap-northeast-2' });
const meta = { $metadata: {}, message: 'x' };
afterEach(() => {
  ses.reset();
  setSenderIdentities(undefined);
});

describe('SES v2 sender identities', () => {
  it('start creates the email identity (SES mails its link); an identity SES already has is "exists"', async () => {
    ses.on(CreateEmailIdentityCommand).resolvesOnce({}).rejectsOnce(new AlreadyExistsException(meta));
    const identities = createSesSenderIdentities(client());
    expect(await identities.start('a@brand.example', 'ignored')).toBe('mailed');
    expect(await identities.start('a@brand.example', 'ignored')).toBe('exists');
    expect(ses.commandCalls(CreateEmailIdentityCommand).map((c) => c.args[0].input)).toEqual([{ EmailIdentity: 'a@brand.example' }, { EmailIdentity: 'a@brand.example' }]);
  });

  it('isVerified reads VerifiedForSendingStatus; an unknown identity is not verified', async () => {
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'ok@brand.example' }).resolves({ VerifiedForSendingStatus: true });
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'wait@brand.example' }).resolves({ VerifiedForSendingStatus: false });
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'gone@brand.example' }).rejects(new NotFoundException(meta));
    const identities = createSesSenderIdentities(client());
    expect(await identities.isVerified('ok@brand.example')).toBe(true);
    expect(await identities.isVerified('wait@brand.example')).toBe(false);
    expect(await identities.isVerified('gone@brand.example')).toBe(false);
  });

  it('resend re-creates a pending identity (SES has no "send again"), never touches a verified one', async () => {
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'wait@brand.example' }).resolves({ VerifiedForSendingStatus: false });
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'ok@brand.example' }).resolves({ VerifiedForSendingStatus: true });
    ses.on(CreateEmailIdentityCommand).resolves({});
    ses.on(DeleteEmailIdentityCommand).resolves({});
    const identities = createSesSenderIdentities(client());
    expect(await identities.resend('wait@brand.example', 'ignored')).toBe('mailed');
    expect(await identities.resend('ok@brand.example', 'ignored')).toBe('exists');
    expect(ses.commandCalls(DeleteEmailIdentityCommand).map((c) => c.args[0].input.EmailIdentity)).toEqual(['wait@brand.example']);
    expect(ses.commandCalls(CreateEmailIdentityCommand).map((c) => c.args[0].input.EmailIdentity)).toEqual(['wait@brand.example']);
  });
});

describe('the domain over SES (through HTTP, SES mocked)', () => {
  let app: TestApp;
  let api: ApiClient;
  useTestApp((s) => ({ app, api } = s));

  it('an address this workspace created is authorized when SES says verified; one SES already knew needs our own link', async () => {
    setSenderIdentities(createSesSenderIdentities(client()));
    const listId = await createList(api, 'ses');
    ses.on(CreateEmailIdentityCommand, { EmailIdentity: 'new@brand.example' }).resolves({});
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'new@brand.example' }).resolves({ VerifiedForSendingStatus: false });
    const mailsBefore = app.outbox().length;
    expect((await api.post(`/v2/lists/${listId}/senders`, { email: 'new@brand.example' })).json).toEqual({ authorized: false });
    expect(app.outbox().length).toBe(mailsBefore); // SES mails its own link, we mail nothing
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'new@brand.example' }).resolves({ VerifiedForSendingStatus: true });
    expect((await api.get(`/v2/lists/${listId}/senders`)).json).toEqual([{ email: 'new@brand.example', authorized: true }]);

    // Verified in SES by someone else: SES's state proves nothing about this workspace.
    ses.on(CreateEmailIdentityCommand, { EmailIdentity: 'known@brand.example' }).rejects(new AlreadyExistsException(meta));
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'known@brand.example' }).resolves({ VerifiedForSendingStatus: true });
    expect((await api.post(`/v2/lists/${listId}/senders`, { email: 'known@brand.example' })).json).toEqual({ authorized: false });
    const link = await senderLinkIn(app.outbox(), 'known@brand.example');
    expect(link).toBeDefined();
    expect((await api.get(`/v2/lists/${listId}/senders`)).json).toContainEqual({ email: 'known@brand.example', authorized: false });
    expect((await fetch(link!)).status).toBe(200);
    expect((await api.get(`/v2/lists/${listId}/senders`)).json).toContainEqual({ email: 'known@brand.example', authorized: true });
  });
});
