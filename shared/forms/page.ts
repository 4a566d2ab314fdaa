/**
 * Issue 15: the hosted subscription form and its result pages, plain HTML served by the Lambda
 * itself (no script, no CDN, no external asset). Accessible: `lang` from the list's setting, a
 * `<label>` for every input, the required one marked as such, errors in a `role="alert"`
 * summary and tied to their input (`aria-invalid`, `aria-describedby`) with focus on it, a
 * native submit button, and the honeypot kept from keyboards and screen readers.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { escapeHtml, htmlDocument } from '#shared/http/html-page';
import type { Language } from '#shared/http/language';
import type { CustomField } from '#shared/lists/fields';
import type { ListContext } from '#shared/lists/model';
import { CONFIRMATION_TTL_DAYS } from '#shared/subscribers/confirmation';
import { formFieldsOf, HONEYPOT_FIELD, type FormOutcome } from './form';

const words = {
  ko: {
    title: (list: string) => `${list} 구독하기`,
    email: '이메일 주소',
    required: '필수',
    submit: '구독하기',
    ad: '광고성 정보 수신에 동의합니다 (선택)',
    honeypot: '이 칸은 비워 두세요',
    errorSummary: '입력한 내용을 확인해 주세요.',
    errors: {
      required: '이메일 주소를 입력해 주세요.',
      email: '올바른 이메일 주소를 입력해 주세요.',
      value: '이 항목의 값이 올바르지 않습니다.',
      'phone-taken': '이미 다른 구독자가 사용 중인 전화번호입니다.',
    },
    notSent: { title: '잠시 후 다시 시도해 주세요', body: '구독 확인 이메일을 보내지 못했습니다. 잠시 후 다시 신청해 주세요.' },
    subscribed: { title: '구독이 완료되었습니다', body: '구독해 주셔서 감사합니다.', at: '구독 일시' },
    confirm: {
      title: '메일함을 확인해 주세요',
      body: `구독 확인 이메일을 보냈습니다. 이메일의 구독 확인 링크를 누르면 구독이 완료됩니다. 링크는 ${CONFIRMATION_TTL_DAYS}일 동안 유효합니다.`,
    },
    unavailable: { title: '구독 폼을 찾을 수 없습니다', body: '이 구독 폼은 없거나 지금 구독 신청을 받지 않습니다.' },
  },
  en: {
    title: (list: string) => `Subscribe to ${list}`,
    email: 'Email address',
    required: 'required',
    submit: 'Subscribe',
    ad: 'I agree to receive promotional information (optional)',
    honeypot: 'Leave this field empty',
    errorSummary: 'Please check what you entered.',
    errors: {
      required: 'Please enter your email address.',
      email: 'Please enter a valid email address.',
      value: 'This value is not valid.',
      'phone-taken': 'This phone number is already used by another subscriber.',
    },
    notSent: { title: 'Please try again later', body: 'We could not send the confirmation email. Please try again in a moment.' },
    subscribed: { title: 'You are subscribed', body: 'Thank you for subscribing.', at: 'Subscribed at' },
    confirm: {
      title: 'Check your inbox',
      body: `We sent you a confirmation email. Follow its link to complete your subscription; it works for ${CONFIRMATION_TTL_DAYS} days.`,
    },
    unavailable: { title: 'Form not found', body: 'This subscription form does not exist or is not taking subscriptions now.' },
  },
} as const;

/** Pages of a form never end up in a shared cache: the form carries what the visitor typed. */
const noStore = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };

const inputType = (f: CustomField) =>
  ({ number: 'number', date: 'date', datetime: 'datetime-local', phone: 'tel', email: 'email', text: 'text', yesno: 'text' })[f.type];
const autocomplete = (f: CustomField) => (f.tag === 'name' ? ' autocomplete="name"' : f.type === 'phone' ? ' autocomplete="tel"' : '');

export interface FormPageState {
  /** What the inputs show: the visitor's values, or the page URL's query (`?name=스티비`). */
  readonly values: Readonly<Record<string, string>>;
  readonly error?: { field: string; reason: keyof (typeof words)['ko']['errors'] };
}

/** The form: posts to `action` (the public endpoint, carrying the page's query: groupIds and field values). */
export function formPage(ctx: ListContext, action: string, state: FormPageState, statusCode = 200): APIGatewayProxyResult {
  const lang: Language = ctx.list.formLanguage;
  const w = words[lang];
  const title = ctx.list.formTitle || w.title(ctx.list.name);
  const error = state.error;
  const value = (tag: string) => escapeHtml(Object.prototype.hasOwnProperty.call(state.values, tag) ? String(state.values[tag]) : '');
  const input = (id: string, name: string, type: string, label: string, extra: string) => {
    const invalid = error?.field === name;
    const described = invalid ? ` aria-invalid="true" aria-describedby="${id}-error" autofocus` : '';
    return (
      `<p><label for="${id}">${escapeHtml(label)}</label><br>` +
      `<input id="${id}" name="${escapeHtml(name)}" type="${type}" value="${value(name)}"${extra}${described}>` +
      (invalid ? `<br><span id="${id}-error" class="error">${escapeHtml(w.errors[error.reason])}</span>` : '') +
      `</p>`
    );
  };
  const fields = formFieldsOf(ctx);
  const html =
    (ctx.list.formDescription ? `<p>${escapeHtml(ctx.list.formDescription)}</p>` : '') +
    (error ? `<div role="alert" class="error-summary"><p>${escapeHtml(w.errorSummary)} ${escapeHtml(w.errors[error.reason])}</p></div>` : '') +
    `<form method="post" action="${escapeHtml(action)}" accept-charset="utf-8">` +
    input('field-email', 'email', 'email', `${w.email} (${w.required})`, ' required aria-required="true" autocomplete="email" maxlength="320"') +
    fields.map((f, i) => input(`field-${i}-${f.tag}`, f.tag, inputType(f), f.label, `${autocomplete(f)} maxlength="2000"`)).join('') +
    `<p><input type="hidden" name="$ad_asked" value="1">` +
    `<input id="field-ad" name="$ad_agreed" type="checkbox" value="Y"${state.values.$ad_agreed === 'Y' ? ' checked' : ''}> <label for="field-ad">${escapeHtml(w.ad)}</label></p>` +
    // People never meet it: off-screen, out of the tab order, hidden from screen readers. Bots fill it.
    `<div aria-hidden="true" style="position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden">` +
    `<label for="field-hp">${escapeHtml(w.honeypot)}</label><input id="field-hp" name="${HONEYPOT_FIELD}" type="text" tabindex="-1" autocomplete="off" value=""></div>` +
    `<p><button type="submit">${escapeHtml(w.submit)}</button></p>` +
    `</form>` +
    `<style>.error,.error-summary{color:#b00020}input{font:inherit;padding:.4rem;min-width:16rem}button{font:inherit;padding:.5rem 1.5rem}:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}</style>`;
  return htmlDocument(statusCode, title, html, lang, noStore);
}

/** "2026-12-01 22:15 (KST)": when the subscription was made, as the original's done page shows it. */
const kstStamp = (iso: string) => {
  const kst = new Date(new Date(iso).getTime() + 9 * 3_600_000).toISOString();
  return `${kst.slice(0, 10)} ${kst.slice(11, 16)} (KST)`;
};

/** The page after a submission that went through (done, or check your inbox). */
export function outcomePage(ctx: ListContext, outcome: Exclude<FormOutcome, { kind: 'invalid' }>): APIGatewayProxyResult {
  const lang: Language = ctx.list.formLanguage;
  const w = words[lang];
  if (outcome.kind === 'subscribed') {
    const at = kstStamp(outcome.at);
    return htmlDocument(
      200,
      w.subscribed.title,
      `<p>${escapeHtml(w.subscribed.body)}</p><p>${escapeHtml(w.subscribed.at)}: <time datetime="${escapeHtml(outcome.at)}">${escapeHtml(at)}</time></p>`,
      lang,
      noStore,
    );
  }
  if (outcome.kind === 'confirmation-sent') return htmlDocument(200, w.confirm.title, `<p role="status">${escapeHtml(w.confirm.body)}</p>`, lang, noStore);
  return htmlDocument(503, w.notSent.title, `<p role="alert">${escapeHtml(w.notSent.body)}</p>`, lang, noStore);
}

/** A missing, disabled or linked list's form: not shown (구독 폼 비활성화: "URL로 접속해도 구독 폼이 표시되지 않음"). */
export function unavailablePage(lang: Language): APIGatewayProxyResult {
  const w = words[lang];
  return htmlDocument(404, w.unavailable.title, `<p>${escapeHtml(w.unavailable.body)}</p>`, lang, noStore);
}
