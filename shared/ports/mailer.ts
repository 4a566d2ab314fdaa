export interface OutgoingMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** SES message tags: `workspaceId` (and `listId`) let bounces find their subscribers (SPEC M2). */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * The same key is never mailed twice by a mailer that keeps a record of its keys (the outbox),
   * and `lookup` tells whether a key was mailed. Automated sends use their send id (issue 12).
   */
  readonly idempotencyKey?: string;
}

/**
 * Why a send failed, as far as the mailer can tell (issue 12):
 * - `transient`: certainly not accepted and worth trying again later (throttling, a 5xx answer,
 *   a full or unwritable outbox disk);
 * - `permanent`: refused for good (a rejected address or content); trying again changes nothing.
 * Any other error leaves open whether the mail went out, so it is never retried (SPEC A7).
 */
export class MailError extends Error {
  override readonly name = 'MailError';
  constructor(
    readonly kind: 'transient' | 'permanent',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isTransient = (error: unknown): error is MailError => error instanceof MailError && error.kind === 'transient';
export const isPermanent = (error: unknown): error is MailError => error instanceof MailError && error.kind === 'permanent';

/**
 * What a mailer knows of an earlier send with this key, asked when the process that sent it died:
 * - `sent` (with its message id): it went out, do not mail again;
 * - `unsent`: it certainly did not go out, mail it now;
 * - `wait`: not known yet (SES reports its acceptance a little later), ask again at `until`;
 * - `unknown`: it can never tell (SMTP): the send is recorded failed rather than risk a second copy.
 */
export type MailLookup =
  | { state: 'sent'; messageId: string }
  | { state: 'unsent' }
  | { state: 'wait'; until: Date }
  | { state: 'unknown' };

/** Sends one email. SES v2 in AWS, a file outbox (or SMTP) locally. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  /** `attemptedAt`: when the interrupted attempt began; `now`: the caller's clock. */
  lookup?(key: string, attemptedAt: Date, now: Date): Promise<MailLookup>;
}
