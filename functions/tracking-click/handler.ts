import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { recordClick } from '#shared/automations/tracking';
import { htmlPage } from '#shared/http/html-page';
import { trackingParams } from '#shared/automations/schemas';

/** SPEC A7: the click redirect: counted, then 302 to the link's target (only a signed target). */
export const handler = apiHandler({ public: true, params: trackingParams }, async ({ params, deps }) => {
  const target = await recordClick(deps, params.token);
  if (!target) return new RawResponse(htmlPage(400, '링크가 올바르지 않습니다', '이 링크는 올바르지 않거나 만료되었습니다. This link is invalid or has expired.', 'ko'));
  return new RawResponse({ statusCode: 302, headers: { Location: target, 'Cache-Control': 'no-store' }, body: '' });
});
