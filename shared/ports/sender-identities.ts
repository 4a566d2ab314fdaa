/**
 * Sender addresses (issue 13, the v2 API's 발신자 이메일 주소): who vouches that an address may
 * send. In AWS an address is an SES email identity: creating it makes SES mail its own
 * verification link and SES holds the state. Locally the adapter mails our confirmation link to
 * the file outbox and holds no state of its own (following the link is the proof).
 */
export type IdentityStart =
  /** The provider has mailed the address (SES: its link; local: `link`). */
  | 'mailed'
  /**
   * The provider already knows the address (another workspace, or an earlier add) and mailed
   * nothing: its verified state proves nothing about this workspace, so the caller mails `link`.
   */
  | 'exists';

export interface SenderIdentities {
  start(email: string, link: string): Promise<IdentityStart>;
  /** Mails the verification again (the v2 verify endpoint); a verified identity is left alone. */
  resend(email: string, link: string): Promise<IdentityStart>;
  /** Whether the provider holds the address as verified for sending. */
  isVerified(email: string): Promise<boolean>;
}
