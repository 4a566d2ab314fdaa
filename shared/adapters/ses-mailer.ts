import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import nodemailer from 'nodemailer';
import type { Mailer, OutgoingMail } from '#shared/ports/mailer';

/** AWS mailer: composes the raw MIME message (custom headers need it) and sends it through SES v2. */
export function createSesMailer(client = new SESv2Client({}), configurationSetName?: string): Mailer {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    async send(mail: OutgoingMail) {
      const { tags, ...message } = mail;
      const info = await composer.sendMail({ ...message, headers: { ...mail.headers } });
      const res = await client.send(
        new SendEmailCommand({
          Content: { Raw: { Data: info.message as Buffer } },
          ...(tags ? { EmailTags: Object.entries(tags).map(([Name, Value]) => ({ Name, Value })) } : {}),
          ...(configurationSetName ? { ConfigurationSetName: configurationSetName } : {}),
        }),
      );
      return { messageId: res.MessageId ?? '' };
    },
  };
}
