import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import nodemailer from 'nodemailer';
import { MailError, nodemailerMessage, type Mailer, type MailLookup, type OutgoingMail } from '#shared/ports/mailer';

/** SES answers that mean "not now" (the message was not accepted; try again later). */
const TRANSIENT_SES_ERRORS = new Set(['TooManyRequestsException', 'ThrottlingException', 'LimitExceededException', 'SendingPausedException', 'InternalFailure', 'ServiceUnavailable']);

/**
 * How long after an interrupted attempt the SES `Send` event (configuration set → SNS →
 * ses-notifications, which marks the send record accepted) is waited for before the send counts
 * as never accepted and is mailed again. SNS delivers within seconds; this leaves a wide margin.
 */
export const SES_ACCEPTANCE_GRACE_MS = 15 * 60_000;

/**
 * Classifies an SES error (issue 12): throttling, a paused account and 5xx answers are transient
 * (SES answered, and did not take the message); other answered errors (a rejected message or
 * address, a missing identity) are permanent. An error without an answer (a reset connection, a
 * timeout) leaves open whether SES took it and is passed on unclassified: never retried blindly.
 */
export function classifySesError(error: unknown): unknown {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $fault?: string };
  const status = e.$metadata?.httpStatusCode;
  if (!status) return error;
  if (TRANSIENT_SES_ERRORS.has(String(e.name)) || status >= 500 || status === 429) return new MailError('transient', `${e.name}: ${e.message}`, { cause: error });
  return new MailError('permanent', `${e.name}: ${e.message}`, { cause: error });
}

/**
 * AWS mailer: composes the raw MIME message (custom headers need it) and sends it through SES v2.
 * The idempotency key travels as the message tag `sendId`; SES's `Send` event for it is the record
 * that the message was accepted (shared/mail/bounces.ts writes it onto the send).
 */
export function createSesMailer(client = new SESv2Client({}), configurationSetName?: string): Mailer {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    async send(mail: OutgoingMail) {
      const { tags, idempotencyKey } = mail;
      const info = await composer.sendMail(nodemailerMessage(mail, { ...mail.headers }));
      const allTags = { ...(tags ?? {}), ...(idempotencyKey ? { sendId: idempotencyKey } : {}) };
      try {
        const res = await client.send(
          new SendEmailCommand({
            Content: { Raw: { Data: info.message as Buffer } },
            ...(Object.keys(allTags).length ? { EmailTags: Object.entries(allTags).map(([Name, Value]) => ({ Name, Value })) } : {}),
            ...(configurationSetName ? { ConfigurationSetName: configurationSetName } : {}),
          }),
        );
        return { messageId: res.MessageId ?? '' };
      } catch (error) {
        throw classifySesError(error);
      }
    },
    /**
     * SES cannot be asked about a message; its `Send` event, recorded on the send, is the answer.
     * The dispatcher reads that record first, so here no record was seen: wait out the grace, then
     * the message was never accepted.
     */
    async lookup(_key: string, attemptedAt: Date, now: Date): Promise<MailLookup> {
      const until = new Date(attemptedAt.getTime() + SES_ACCEPTANCE_GRACE_MS);
      return now >= until ? { state: 'unsent' } : { state: 'wait', until };
    },
  };
}
