import { z } from 'zod';
import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { confirmSubscription, type ConfirmOutcome } from '#shared/subscribers/confirmation';
import { htmlPage } from '#shared/http/html-page';

const pages: Record<ConfirmOutcome, { status: number; title: string; body: string }> = {
  confirmed: { status: 200, title: '구독이 확인되었습니다', body: '구독 신청이 완료되었습니다. 감사합니다.' },
  'already-confirmed': { status: 200, title: '이미 확인된 구독입니다', body: '이 링크로 이미 구독을 확인하셨습니다.' },
  invalid: { status: 400, title: '링크가 올바르지 않습니다', body: '구독 확인 링크가 올바르지 않거나 만료되었습니다.' },
};

/** SPEC L4 double opt-in: the link in the confirmation email (public, no AccessToken). */
export const handler = apiHandler(
  { public: true, query: z.object({ token: z.string().max(2048).default('') }) },
  async ({ query, deps }) => {
    const page = pages[await confirmSubscription(deps, query.token)];
    return new RawResponse(htmlPage(page.status, page.title, page.body));
  },
);
