/**
 * Free-mail domains refused as sender addresses (the v2 API's NotPermittedSenderDomain: "gmail.com,
 * naver.com 등"). Their DMARC policies make mail "from" them sent by anyone else land in spam
 * or bounce. docs/api.md lists them; subdomains count (mail.naver.com is naver.com).
 */
export const freeMailDomains: readonly string[] = [
  'gmail.com',
  'googlemail.com',
  'naver.com',
  'daum.net',
  'hanmail.net',
  'kakao.com',
  'nate.com',
  'hotmail.com',
  'outlook.com',
  'live.com',
  'msn.com',
  'yahoo.com',
  'yahoo.co.kr',
  'icloud.com',
  'me.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
];

const blocked = new Set(freeMailDomains);

export function isFreeMailDomain(email: string): boolean {
  const labels = email.slice(email.lastIndexOf('@') + 1).toLowerCase().split('.');
  for (let i = 0; i < labels.length - 1; i++) if (blocked.has(labels.slice(i).join('.'))) return true;
  return false;
}
