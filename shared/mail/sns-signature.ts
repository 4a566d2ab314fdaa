/**
 * Verifies an Amazon SNS HTTP(S) delivery: the fields AWS signs, in AWS's order, checked with
 * the certificate SNS names (fetched only from SNS's own hosts). Signature version 1 is
 * SHA1withRSA, version 2 SHA256withRSA.
 */
import { createVerify } from 'node:crypto';
import type { SnsPort } from '#shared/ports/sns';

export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  Subject?: string;
  Token?: string;
  SubscribeURL?: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
}

const signedFields: Record<SnsMessage['Type'], (keyof SnsMessage)[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

export function stringToSign(message: SnsMessage): string {
  return signedFields[message.Type]
    .filter((field) => message[field] !== undefined)
    .map((field) => `${field}\n${message[field]}\n`)
    .join('');
}

/** SNS signs its Timestamp: a message older than this is a replay, whatever its signature. */
export const SNS_MAX_AGE_MS = 60 * 60 * 1000;

export async function verifySnsMessage(message: SnsMessage, sns: SnsPort, now: Date): Promise<boolean> {
  if (!Object.hasOwn(signedFields, message.Type) || typeof message.Signature !== 'string') return false;
  const sent = Date.parse(message.Timestamp);
  // A few minutes into the future are clock skew, not a reason to refuse.
  if (!Number.isFinite(sent) || now.getTime() - sent > SNS_MAX_AGE_MS || sent - now.getTime() > 5 * 60 * 1000) return false;
  const algorithm = message.SignatureVersion === '2' ? 'RSA-SHA256' : message.SignatureVersion === '1' ? 'RSA-SHA1' : null;
  if (!algorithm) return false;
  let certificate: string;
  try {
    certificate = await sns.fetchCertificate(message.SigningCertURL);
  } catch {
    return false;
  }
  try {
    return createVerify(algorithm).update(stringToSign(message), 'utf8').verify(certificate, message.Signature, 'base64');
  } catch {
    return false;
  }
}
