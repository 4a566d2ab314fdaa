/** Sender addresses through the v2 API and the local outbox (issue 13). */
import { expect } from 'vitest';
import { simpleParser } from 'mailparser';
import type { ApiClient } from './app';

/** The sender-verification link of the newest mail to `email` in the outbox, if any. */
export async function senderLinkIn(outbox: string[], email: string): Promise<string | undefined> {
  for (const raw of [...outbox].reverse()) {
    const mail = await simpleParser(raw);
    if (String((mail.to as { text: string } | undefined)?.text) !== email) continue;
    const link = /https?:\/\/\S+\/v2\/senders\/confirm\?token=[^\s"<>]+/.exec(String(mail.text ?? ''))?.[0];
    if (link) return link;
  }
  return undefined;
}

/**
 * Adds `email` as a sender of the list and, when it is not yet verified for the workspace,
 * follows the link the local identity provider mailed: what a user does in their mailbox.
 */
export async function verifiedSender(api: ApiClient, listId: number, email = 'news@example.com'): Promise<void> {
  const added = await api.post<{ authorized: boolean }>(`/v2/lists/${listId}/senders`, { email });
  expect(added.status, added.text).toBe(200);
  if (added.json.authorized) return;
  expect(api.outbox, 'the client needs the outbox to verify a sender').toBeDefined();
  const link = await senderLinkIn(api.outbox!(), email);
  expect(link, `no verification mail to ${email}`).toBeDefined();
  const page = await fetch(link!);
  expect(page.status).toBe(200);
  const listed = await api.get<Array<{ email: string; authorized: boolean }>>(`/v2/lists/${listId}/senders`);
  expect(listed.json).toContainEqual({ email, authorized: true });
}
