import { z } from 'zod';
import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { htmlPage } from '#shared/http/html-page';
import { headerOf, preferredLanguage } from '#shared/http/language';
import { confirmSenderLink } from '#shared/senders/senders';

const pages = {
  confirmed: {
    ko: { status: 200, title: '발신자 이메일 주소가 인증되었습니다', body: '이제 이 주소로 이메일을 보낼 수 있습니다.' },
    en: { status: 200, title: 'Sender address verified', body: 'Emails can now be sent from this address.' },
  },
  invalid: {
    ko: { status: 400, title: '링크가 올바르지 않습니다', body: '인증 링크가 올바르지 않거나 만료되었습니다. 인증 이메일을 다시 요청해 주세요.' },
    en: { status: 400, title: 'Invalid link', body: 'This verification link is invalid or has expired. Please ask for a new one.' },
  },
} as const;

/** The sender verification link we mail (locally always; in AWS when SES already knew the address). Public, an HTML page. */
export const handler = apiHandler(
  { public: true, query: z.object({ token: z.string().max(2048).default('') }) },
  async ({ query, deps, event }) => {
    const page = pages[await confirmSenderLink(deps, query.token)][preferredLanguage(headerOf(event.headers, 'accept-language'))];
    return new RawResponse(htmlPage(page.status, page.title, page.body));
  },
);
