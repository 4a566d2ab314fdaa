import {
  AlreadyExistsException,
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  NotFoundException,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import type { IdentityStart, SenderIdentities } from '#shared/ports/sender-identities';

/**
 * SES v2 email identities. SES mails its own link on creation; it has no "send again", so a
 * still-pending identity is deleted and created anew to resend (a pending identity sends
 * nothing, so nobody loses anything by it). Verified identities are never deleted here: other
 * workspaces' senders may stand on them.
 */
export function createSesSenderIdentities(client = new SESv2Client({})): SenderIdentities {
  const state = async (email: string): Promise<'verified' | 'pending' | 'absent'> => {
    try {
      const res = await client.send(new GetEmailIdentityCommand({ EmailIdentity: email }));
      return res.VerifiedForSendingStatus ? 'verified' : 'pending';
    } catch (error) {
      if (error instanceof NotFoundException) return 'absent';
      throw error;
    }
  };
  const create = async (email: string): Promise<IdentityStart> => {
    try {
      await client.send(new CreateEmailIdentityCommand({ EmailIdentity: email }));
      return 'mailed';
    } catch (error) {
      if (error instanceof AlreadyExistsException) return 'exists';
      throw error;
    }
  };
  return {
    start: (email) => create(email),
    async resend(email) {
      const now = await state(email);
      if (now === 'verified') return 'exists';
      if (now === 'pending') await client.send(new DeleteEmailIdentityCommand({ EmailIdentity: email }));
      return create(email);
    },
    isVerified: async (email) => (await state(email)) === 'verified',
  };
}
