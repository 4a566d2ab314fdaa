export interface OutgoingMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** SES message tags: `workspaceId` (and `listId`) let bounces find their subscribers (SPEC M2). */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Sends one email. SES v2 in AWS, a file outbox (or SMTP) locally. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}
