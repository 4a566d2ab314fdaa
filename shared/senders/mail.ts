import { mailbox, type OutgoingMail } from '#shared/ports/mailer';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The mail that asks an address to confirm it may be used as a sender. */
export function senderVerificationMail(from: string, to: string, link: string): OutgoingMail {
  return {
    from: mailbox(from),
    to,
    subject: '발신자 이메일 주소를 인증해 주세요',
    html:
      `<p>${escapeHtml(to)} 주소를 발신자 이메일 주소로 사용하려면 아래 링크를 눌러 인증해 주세요.</p>` +
      `<p><a href="${escapeHtml(link)}">발신자 이메일 주소 인증하기</a></p>` +
      `<p>요청하지 않았다면 이 메일을 무시해 주세요.</p>`,
    text: `${to} 주소를 발신자 이메일 주소로 인증하려면 다음 링크를 여세요: ${link}`,
  };
}
