/**
 * Issue 17: the business metrics, one source of truth. The code emits them through the metrics
 * port (shared/ports/metrics.ts: EMF in AWS, counters locally), the dashboard
 * (infra/constructs/dashboard.ts) graphs them by these names, namespace and dimensions, and
 * docs/operations.md describes them. Zero-dependency: infra imports it too.
 */
export const METRICS_NAMESPACE = 'Newsletter';
/** Powertools adds `service` to every EMF metric; the dashboard names it to find them. */
export const METRICS_SERVICE = 'newsletter';

export type MetricUnitName = 'Count' | 'Milliseconds';

export interface MetricDefinition {
  readonly unit: MetricUnitName;
  /** The dimensions beside `service` this metric is emitted with (always all of them). */
  readonly dimensions: readonly string[];
  readonly description: string;
}

export const metricCatalog = {
  EmailsSent: { unit: 'Count', dimensions: ['Source'], description: 'mails the mailer accepted (Source: automation | email)' },
  EmailsFailed: { unit: 'Count', dimensions: ['Source', 'Reason'], description: 'sends recorded failed, by reason class (sendFailureReason)' },
  EmailsDropped: { unit: 'Count', dimensions: ['Source'], description: 'due sends not mailed: subscriber no longer subscribed, automation paused or gone (SPEC A5, A6)' },
  Bounces: { unit: 'Count', dimensions: ['BounceType'], description: 'SES bounce notifications (BounceType: Permanent | Transient) (SPEC M2)' },
  Complaints: { unit: 'Count', dimensions: [], description: 'SES complaint notifications (SPEC M2)' },
  ImportsCompleted: { unit: 'Count', dimensions: ['Provider'], description: 'imports that switched to their new generation (SPEC I3)' },
  ImportsFailed: { unit: 'Count', dimensions: ['Provider'], description: 'imports failed and compensated (SPEC I4)' },
  ImportedMembers: { unit: 'Count', dimensions: ['Provider'], description: 'members written by completed imports' },
  ImportDuration: { unit: 'Milliseconds', dimensions: ['Provider'], description: 'start to switch of a completed import' },
  WebhookDeliveries: { unit: 'Count', dimensions: [], description: 'webhook attempts answered 2xx (SPEC L10)' },
  WebhookRetries: { unit: 'Count', dimensions: [], description: 'webhook attempts not answered 2xx and queued again' },
  DeadLettersParked: { unit: 'Count', dimensions: ['Kind'], description: 'work parked as a dead letter (Kind: delivery | batch | facts; issue 12)' },
  ThrottledByWorkspace: { unit: 'Count', dimensions: ['WorkspaceId'], description: 'requests refused 429 by the per-workspace throttle (SPEC W4)' },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof metricCatalog;
export type MetricDimensions<N extends MetricName> = Record<(typeof metricCatalog)[N]['dimensions'][number], string>;

export const metricNames = Object.keys(metricCatalog) as MetricName[];

/**
 * A failed send's reason cut to a class, so the Reason dimension stays a handful of values
 * however the mailer words its errors.
 */
export function sendFailureReason(reason: string): string {
  if (reason.startsWith('SENDER_NOT_VERIFIED')) return 'SenderNotVerified';
  if (reason.startsWith('gave up after')) return 'RetriesExhausted';
  if (reason.startsWith('interrupted')) return 'Interrupted';
  if (/suppress/i.test(reason)) return 'Suppressed';
  return 'Rejected';
}
