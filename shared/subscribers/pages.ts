/** The words of the pages a subscriber meets, in Korean and English. */
import type { Language } from '#shared/http/language';

type Page = { status: number; title: string; body: string };

export const pageText: Record<string, Record<Language, Page>> = {
  confirmed: {
    ko: { status: 200, title: '구독이 확인되었습니다', body: '구독 신청이 완료되었습니다. 감사합니다.' },
    en: { status: 200, title: 'Subscription confirmed', body: 'Your subscription is confirmed. Thank you.' },
  },
  'already-confirmed': {
    ko: { status: 200, title: '이미 확인된 구독입니다', body: '이 링크로 이미 구독을 확인하셨습니다.' },
    en: { status: 200, title: 'Already confirmed', body: 'You have already confirmed your subscription with this link.' },
  },
  'invalid-confirmation': {
    ko: { status: 400, title: '링크가 올바르지 않습니다', body: '구독 확인 링크가 올바르지 않거나 만료되었습니다.' },
    en: { status: 400, title: 'Invalid link', body: 'This confirmation link is invalid or has expired.' },
  },
  unsubscribed: {
    ko: { status: 200, title: '수신거부되었습니다', body: '이 주소록의 이메일을 더 이상 받지 않습니다.' },
    en: { status: 200, title: 'You are unsubscribed', body: 'You will no longer receive emails from this list.' },
  },
  already: {
    ko: { status: 200, title: '이미 수신거부된 주소입니다', body: '이 주소록의 이메일을 받지 않는 상태입니다.' },
    en: { status: 200, title: 'Already unsubscribed', body: 'You do not receive emails from this list.' },
  },
  'invalid-unsubscribe': {
    ko: { status: 400, title: '링크가 올바르지 않습니다', body: '수신거부 링크가 올바르지 않거나 만료되었습니다.' },
    en: { status: 400, title: 'Invalid link', body: 'This unsubscribe link is invalid or has expired.' },
  },
};
