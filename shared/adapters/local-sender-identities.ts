import type { Mailer } from '#shared/ports/mailer';
import type { SenderIdentities } from '#shared/ports/sender-identities';
import { senderVerificationMail } from '#shared/senders/mail';

/**
 * The embedded default's identity provider: mails our confirmation link (to the file outbox or
 * SMTP) where SES would mail its own, and keeps no state: the link, once followed, is recorded
 * by the domain (shared/senders/senders.ts), so `isVerified` has nothing to add.
 */
export function createLocalSenderIdentities(mailer: Mailer, systemSender: string): SenderIdentities {
  const mail = async (email: string, link: string) => {
    await mailer.send(senderVerificationMail(systemSender, email, link));
    return 'mailed' as const;
  };
  return { start: mail, resend: mail, isVerified: async () => false };
}
