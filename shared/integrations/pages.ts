/**
 * The pages a browser sees in the connect flow (SPEC I1, issue 14). None may be framed (the
 * consent button is worth clickjacking), cached, or leak its URL (the callback's carries a code)
 * through Referer; the consent form may post only to our confirm endpoint.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { ApiError } from '#shared/http/errors';
import { escapeHtml, htmlDocument } from '#shared/http/html-page';
import { providerNames, type Provider } from './providers';
import type { ConsentView } from './oauth-flow';

export function flowHeaders(formAction?: string): Record<string, string> {
  return {
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action ${formAction ? new URL(formAction).origin : "'none'"}`,
  };
}

const paragraph = (text: string) => `<p>${escapeHtml(text)}</p>`;

/** The question before anything is connected: which workspace, which provider account. */
export function consentPage(view: ConsentView, confirmUrl: string): APIGatewayProxyResult {
  const name = providerNames[view.provider];
  const workspace = `${view.workspaceName || '(이름 없음)'} (ID ${view.workspaceId})`;
  const account = view.account || `${name} 계정`;
  const inner = [
    paragraph(`아래 워크스페이스를 ${name}의 ${account}와 연동하려고 합니다. 연동하면 이 워크스페이스의 API 키를 가진 사람은 누구나 이 계정의 회원 정보를 주소록으로 불러올 수 있습니다.`),
    `<dl><dt>워크스페이스</dt><dd><strong data-workspace-id="${escapeHtml(view.workspaceId)}">${escapeHtml(workspace)}</strong></dd>`,
    `<dt>${escapeHtml(name)} 계정</dt><dd>${escapeHtml(account)}</dd></dl>`,
    ...(view.replaces !== undefined ? [paragraph(`이 워크스페이스에 지금 연동된 ${view.replaces || `${name} 계정`}은(는) 이 계정으로 바뀝니다.`)] : []),
    paragraph('직접 시작한 연동이 아니거나 모르는 워크스페이스라면 취소하세요. 확인하기 전에는 아무것도 연동되지 않습니다.'),
    `<form method="post" action="${escapeHtml(confirmUrl)}"><input type="hidden" name="state" value="${escapeHtml(view.state)}">`,
    `<button type="submit" name="decision" value="confirm">연동하기</button> <button type="submit" name="decision" value="cancel">취소</button></form>`,
  ].join('\n');
  return htmlDocument(200, `${name} 연동 확인`, inner, 'ko', flowHeaders(confirmUrl));
}

export const connectedPage = (provider: Provider) => {
  const name = providerNames[provider];
  return htmlDocument(200, `${name} 연동 완료`, paragraph(`워크스페이스가 ${name}와 연동되었습니다. 이제 ${name} 연동 주소록을 만들고 회원을 불러올 수 있습니다.`), 'ko', flowHeaders());
};

export const cancelledPage = (provider: Provider) =>
  htmlDocument(200, `${providerNames[provider]} 연동 취소`, paragraph('연동을 취소했습니다. 아무것도 연동되지 않았습니다.'), 'ko', flowHeaders());

export const failedPage = (provider: Provider, error: ApiError) =>
  htmlDocument(error.status || 400, `${providerNames[provider]} 연동 실패`, paragraph(`${error.message} (${error.code})`), 'ko', flowHeaders());
