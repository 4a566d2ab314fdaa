/** SPEC A7: an automated email's figures: queued, sent, failed with reasons, opens, clicks and rates. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import { findAutomation, readStats } from './automations';
import { listDeadLetters } from '#shared/dead-letters';

const rate = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 100 : 0);

export async function dashboard(deps: Deps, workspaceId: string, automationId: number) {
  const a = await findAutomation(deps, workspaceId, automationId);
  const [stats, dead] = await Promise.all([readStats(deps, automationId), listDeadLetters(deps, { automationId })]);
  const failures = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.failedSendsOf(automationId) },
      ScanIndexForward: false,
      Limit: 100,
    }),
  );
  const reasons: Record<string, number> = {};
  for (const f of failures.Items ?? []) reasons[String(f.reason)] = (reasons[String(f.reason)] ?? 0) + 1;
  return {
    automationId,
    state: a.state,
    queued: Math.max(0, stats.queued),
    /** Claimed and being mailed, or waiting for a retry after a transient mailer failure (issue 12). */
    sending: Math.max(0, stats.sending),
    sent: stats.sent,
    failed: stats.failed,
    dropped: stats.dropped,
    opens: stats.opens,
    uniqueOpens: stats.uniqueOpens,
    clicks: stats.clicks,
    uniqueClicks: stats.uniqueClicks,
    /** Unique opens and clicks over successful sends, in percent. */
    openRate: rate(stats.uniqueOpens, stats.sent),
    clickRate: rate(stats.uniqueClicks, stats.sent),
    /** The last 100 failures, newest first, and how often each reason occurs among them. */
    failureReasons: reasons,
    recentFailures: (failures.Items ?? []).map((f) => ({ email: f.email, at: f.at, reason: f.reason })),
    /**
     * Issue 12: triggers the events worker gave up on after its retries (the last 100, newest
     * first): when, why, how many subscribers they named and the first of them.
     */
    deadLetters: dead.length,
    recentDeadLetters: dead.map((d) => ({ at: d.at, firstFailedAt: d.firstFailedAt, kind: d.kind, reason: d.reason, attempts: d.attempts, eventId: d.eventId, subscribers: d.subscribers, emails: d.emails })),
  };
}
