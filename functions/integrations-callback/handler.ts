import { z } from 'zod';
import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { htmlPage } from '#shared/http/html-page';
import { completeConnection } from '#shared/integrations/connections';
import { providerNames } from '#shared/integrations/providers';
import { providerParams } from '#shared/integrations/schemas';

const query = z.object({
  state: z.string().max(200).default(''),
  code: z.string().max(2048).optional(),
  error: z.string().max(200).optional(),
});

/**
 * SPEC I1: where the provider sends the user back (public: a browser, no AccessToken). The
 * `state` proves which workspace started the flow; a page tells the user how it went.
 */
export const handler = apiHandler({ public: true, params: providerParams, query }, async ({ params, query, deps }) => {
  const name = providerNames[params.provider];
  try {
    await completeConnection(deps, params.provider, query);
    return new RawResponse(htmlPage(200, `${name} 연동 완료`, `워크스페이스가 ${name}와 연동되었습니다. 이제 ${name} 연동 주소록을 만들고 회원을 불러올 수 있습니다.`));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return new RawResponse(htmlPage(error.status || 400, `${name} 연동 실패`, `${error.message} (${error.code})`));
  }
});
