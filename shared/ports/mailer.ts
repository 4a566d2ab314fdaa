/**
 * A mailbox as a structure, never a header string (issue 14, sender spoofing): the display name
 * is the tenant's to choose and may hold quotes, `<`, commas or CR/LF; the mailer encodes it
 * as a name, so it can never add an address or a header. `address` is a bare addr-spec.
 */
export interface MailAddress {
  readonly name?: string;
  readonly address: string;
}

/** A bare addr-spec: one `@`, no whitespace, brackets, quotes, commas or semicolons. */
const BARE_ADDRESS = /^[^\s<>()"',;:@\\]+@[^\s<>()"',;:@\\]+$/;

/**
 * The From or Reply-To of a mail: `name` (optional) kept whole as a display name, with control
 * characters (CR/LF among them) folded to spaces; `address` refused unless it is one bare address.
 */
export function mailbox(address: string, name?: string | null): MailAddress {
  if (!BARE_ADDRESS.test(address)) throw new MailError('permanent', `not a single bare address: ${JSON.stringify(address.slice(0, 200))}`);
  const display = (name ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return display ? { name: display, address } : { address };
}

/** nodemailer's shape of a mailbox (its `name` is not optional). */
const nodemailerAddress = (a: MailAddress) => ({ name: a.name ?? '', address: a.address });

/** The message fields nodemailer composes, addresses as its address objects (the adapters' one mapping). */
export function nodemailerMessage(mail: OutgoingMail, headers?: Readonly<Record<string, string>>) {
  const { tags: _tags, idempotencyKey: _key, from, replyTo, ...rest } = mail;
  return {
    ...rest,
    from: nodemailerAddress(from),
    ...(replyTo ? { replyTo: nodemailerAddress(replyTo) } : {}),
    ...(headers ? { headers } : {}),
  };
}

export interface OutgoingMail {
  /** Structured (issue 14): never a string a display name could break out of. */
  readonly from: MailAddress;
  readonly replyTo?: MailAddress;
  /** One bare address. */
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
