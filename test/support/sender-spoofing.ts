/** Issue 14, sender spoofing: a hostile display name and how a mail client reads the sender of a mail. */
import { expect } from 'vitest';
import type { AddressObject, ParsedMail } from 'mailparser';
import type { ApiClient } from './app';
import { listBasics } from './lists';

/** `Evil" <ceo@bank.example>, "x`: a display name that, concatenated into a header, adds an address (issue 14). */
export const SPOOF_NAME = 'Evil" <ceo@bank.example>, "x';

/** Every mailbox of a parsed address header, with the header's raw line. */
export const mailboxes = (header: AddressObject | AddressObject[] | undefined) => (Array.isArray(header) ? header : header ? [header] : []).flatMap((h) => h.value);
const rawHeader = (mail: ParsedMail, name: string) => mail.headerLines.find((h) => h.key === name)?.line ?? '';

/** What a mail client shows as the sender: exactly one mailbox, the expected address, the name kept whole. */
export function expectSender(mail: ParsedMail, address: string, name: string) {
  const from = mailboxes(mail.from);
  expect(from, rawHeader(mail, 'from')).toEqual([{ address, name }]);
  expect(mail.messageId, 'the Message-ID names our domain').toMatch(new RegExp(`@${address.split('@')[1]!.replace(/\./g, '\\.')}>$`));
  expect(mail.replyTo).toBeUndefined();
}

export const confirmRequest = (email: string) => ({ eventOccurredBy: 'SUBSCRIBER', confirmEmailYN: 'Y', subscribers: [{ email }] });

export async function spoofingList(client: ApiClient, name: string): Promise<number> {
  const res = await client.post<{ id: number }>('/v2/lists', { name, ...listBasics, senderName: SPOOF_NAME, fields: [] });
  expect(res.status, res.text).toBe(200);
  return res.json.id;
}

