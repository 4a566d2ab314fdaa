/**
 * SPEC A8 and M3 below the HTTP API: the EventBridge Scheduler adapter (aws-sdk-client-mock),
 * the embedded scheduler for real (it survives a restart), and the shared sending rate for real
 * against DynamoDB Local.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConflictException, CreateScheduleCommand, DeleteScheduleCommand, ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { createEventBridgeScheduler } from '#shared/adapters/eventbridge-scheduler';
import { startEmbeddedScheduler } from '#shared/local/embedded-scheduler';
import { createRateLimitedMailer } from '#shared/mail/rate-limit';
import type { ScheduledEvent } from '#shared/ports/scheduler';
import type { Mailer } from '#shared/ports/mailer';
import { useTestApp, type TestApp } from './support/app';
import { movableClock, waitFor } from './support/automations';

const config = { groupName: 'newsletter-test', roleArn: 'arn:aws:iam::1:role/scheduler', dispatcherArn: 'arn:aws:lambda:x:1:function:d', deadLetterArn: 'arn:aws:sqs:x:1:dlq' };

describe('A8 EventBridge Scheduler adapter', () => {
  it('A8: a due minute is a one-time at() entry in the group that deletes itself, targeting the dispatcher through the role', async () => {
    const mock = mockClient(SchedulerClient);
    mock.on(CreateScheduleCommand).resolves({});
    const scheduler = createEventBridgeScheduler(config, new SchedulerClient({ region: 'us-east-1' }));
    const at = new Date(Date.now() + 3_600_000);
    await scheduler.at('due-2030-01-01T0000', at, { kind: 'due', minute: '2030-01-01T00:00' });
    const input = mock.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      Name: 'due-2030-01-01T0000',
      GroupName: 'newsletter-test',
      ScheduleExpression: `at(${at.toISOString().slice(0, 19)})`,
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: config.dispatcherArn, RoleArn: config.roleArn, Input: JSON.stringify({ kind: 'due', minute: '2030-01-01T00:00' }), DeadLetterConfig: { Arn: config.deadLetterArn } },
    });
    mock.restore();
  });

  it('A8: an entry that exists already is fine (idempotent); a past time runs at once; daily entries are cron() in the email’s zone', async () => {
    const mock = mockClient(SchedulerClient);
    mock.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    const scheduler = createEventBridgeScheduler(config, new SchedulerClient({ region: 'us-east-1' }));
    await expect(scheduler.at('x', new Date(0), { kind: 'start', automationId: 1 })).resolves.toBeUndefined();
    const pastExpression = String(mock.commandCalls(CreateScheduleCommand)[0]!.args[0].input.ScheduleExpression);
    expect(new Date(`${pastExpression.slice(3, -1)}Z`).getTime()).toBeGreaterThan(Date.now());
    mock.reset();
    mock.on(CreateScheduleCommand).resolves({});
    await scheduler.daily('auto-1-anniversary', '09:30', 'Asia/Seoul', { kind: 'anniversary', automationId: 1 });
    expect(mock.commandCalls(CreateScheduleCommand)[0]!.args[0].input).toMatchObject({ ScheduleExpression: 'cron(30 9 * * ? *)', ScheduleExpressionTimezone: 'Asia/Seoul' });
    mock.on(DeleteScheduleCommand).rejects(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    await expect(scheduler.remove('auto-1-anniversary')).resolves.toBeUndefined();
    mock.on(CreateScheduleCommand).rejects(new Error('AccessDenied'));
    await expect(scheduler.at('y', new Date(), { kind: 'end', automationId: 1 })).rejects.toThrow('AccessDenied');
    mock.restore();
  });
});

describe('A8 embedded scheduler', () => {
  it('A8: runs entries when the clock reaches them, once for one-time, daily again for daily; a restart keeps them', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sched-')), 'schedules.json');
    const clock = movableClock(new Date('2026-03-02T23:59:00Z'));
    const ran: ScheduledEvent[] = [];
    const first = startEmbeddedScheduler({ clock, run: async (e) => ran.push(e), file, intervalMs: 20 });
    await first.at('once', new Date('2026-03-03T00:10:00Z'), { kind: 'due', minute: '2026-03-03T00:10' });
    await first.at('once', new Date('2026-03-03T00:20:00Z'), { kind: 'due', minute: 'ignored' });
    await first.daily('daily', '09:00', 'Asia/Seoul', { kind: 'anniversary', automationId: 7 });
    await first.stop();
    const second = startEmbeddedScheduler({ clock, run: async (e) => ran.push(e), file, intervalMs: 20 });
    expect(second.entries().map((e) => e.name).sort()).toEqual(['daily', 'once']);
    clock.set(new Date('2026-03-03T00:10:01Z'));
    await waitFor(() => ran.length, (n) => n >= 2, 3000);
    expect(ran).toEqual(expect.arrayContaining([{ kind: 'due', minute: '2026-03-03T00:10' }, { kind: 'anniversary', automationId: 7 }]));
    expect(second.entries().map((e) => e.name)).toEqual(['daily']);
    expect(second.entries()[0]!.dueAt).toBe(Date.parse('2026-03-04T00:00:00Z'));
    await second.stop();
  });
});

let app: TestApp;
useTestApp((s) => ({ app } = s));

describe('M3 shared sending rate', () => {
  it('M3: two senders together never exceed the rate in any second, and every mail goes out', async () => {
    const sent: number[] = [];
    const sink: Mailer = { send: async () => (sent.push(Date.now()), { messageId: String(sent.length) }) };
    const deps = app.runtime.deps;
    const a = createRateLimitedMailer(sink, deps, 5);
    const b = createRateLimitedMailer(sink, deps, 5);
    const mail = { from: { address: 'a@example.com' }, to: 'b@example.com', subject: 's', html: 'h' };
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).send(mail)));
    expect(sent).toHaveLength(12);
    const perSecond = new Map<number, number>();
    for (const t of sent) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(5);
    expect(perSecond.size).toBeGreaterThanOrEqual(3);
  });
});
