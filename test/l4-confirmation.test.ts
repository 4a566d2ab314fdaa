/** SPEC L4 confirmEmailYN: Y — double opt-in through the mail outbox and a signed link. */
import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, counts, createGroup, createList, snapshot, subscribe } from './support/lists';

let app: TestApp;
let api: ApiClient;
useTestApp((started) => ({ app, api } = started));

async function confirmationLinks(fromIndex: number): Promise<{ to: string; link: string }[]> {
  const mails = app.outbox().slice(fromIndex);
  return Promise.all(
    mails.map(async (raw) => {
      const mail = await simpleParser(raw);
      const link = /href="([^"]+)"/.exec(String(mail.html))?.[1]?.replace(/&amp;/g, '&');
      expect(link).toContain('/v1/subscriptions/confirm?token=');
      return { to: String((mail.to as { text: string }).text), link: link! };
    }),
  );
}

describe('L4 double opt-in', () => {
  it('L4: more than 10 subscribers with confirmEmailYN Y are refused and nothing is written or mailed', async () => {
    const listId = await createList(api);
    const before = await snapshot(api, listId);
    const mailsBefore = app.outbox().length;
    const subscribers = Array.from({ length: 11 }, (_, i) => ({ email: `c${i}@x.com` }));
    const res = await subscribe(api, listId, { confirmEmailYN: 'Y', subscribers });
    // Reported in the envelope of an HTTP 200, as the original (issue 13).
    expect(res.status).toBe(200);
    expect(res.body.Error?.HttpStatusCode).toBe(400);
    expect(res.body.Error?.Code).toBe('LIST_CONFIRM_LIMIT_EXCEEDED');
    expect(await snapshot(api, listId)).toEqual(before);
    expect(app.outbox().length).toBe(mailsBefore);
  });

  it('L4: subscribers are added only when the mailed link is followed; the link is idempotent and tamper-proof', async () => {
    const listId = await createList(api);
    const group = await createGroup(api, listId);
    const mailsBefore = app.outbox().length;
    const res = await subscribe(api, listId, {
      confirmEmailYN: 'Y',
      eventOccurredBy: 'SUBSCRIBER',
      groupIds: [group],
      subscribers: [{ email: 'one@x.com', name: '하나' }, { email: 'two@x.com', name: '둘' }],
    });
    expect(res.body.Value.success.map((r) => r.email)).toEqual(['one@x.com', 'two@x.com']);
    expect(await counts(api, listId)).toMatchObject({ total: 0 });

    const links = await confirmationLinks(mailsBefore);
    expect(links.map((l) => l.to).sort()).toEqual(['one@x.com', 'two@x.com']);
    const one = links.find((l) => l.to === 'one@x.com')!;

    const tampered = await fetch(one.link.replace(/token=(.)/, (_, c: string) => `token=${c === 'A' ? 'B' : 'A'}`));
    expect(tampered.status).toBe(400);
    expect(await counts(api, listId)).toMatchObject({ total: 0 });

    const page = await fetch(one.link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('구독이 확인되었습니다');
    const subs = await allSubscribers(api, listId);
    expect(subs.get('one@x.com')).toMatchObject({ status: 'subscribed', name: '하나', groupIds: [group] });
    expect(subs.has('two@x.com')).toBe(false);

    const again = await fetch(one.link);
    expect(again.status).toBe(200);
    expect(await counts(api, listId)).toEqual({ subscribed: 1, unsubscribed: 0, autoDeleted: 0, total: 1 });
  });
});
