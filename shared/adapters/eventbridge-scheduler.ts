/**
 * SPEC A8 in AWS: EventBridge Scheduler entries in the stack's schedule group, invoking the
 * dispatcher through the role the stack made for it. One-time entries delete themselves after
 * they ran; a name that exists already means the entry is there (idempotent).
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { ScheduledEvent, Scheduler } from '#shared/ports/scheduler';

export interface EventBridgeSchedulerConfig {
  groupName: string;
  roleArn: string;
  dispatcherArn: string;
  deadLetterArn?: string;
}

/** Scheduler names: letters, digits and . - _ up to 64. */
const safeName = (name: string) => name.replace(/[^0-9A-Za-z._-]/g, '-').slice(0, 64);
/** `at()` takes local date-time without zone; we always give UTC. An entry in the past fires at once. */
const atExpression = (at: Date) => `at(${at.toISOString().slice(0, 19)})`;

export function createEventBridgeScheduler(config: EventBridgeSchedulerConfig, client = new SchedulerClient({})): Scheduler {
  const target = (event: ScheduledEvent) => ({
    Arn: config.dispatcherArn,
    RoleArn: config.roleArn,
    Input: JSON.stringify(event),
    RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
    ...(config.deadLetterArn ? { DeadLetterConfig: { Arn: config.deadLetterArn } } : {}),
  });
  const create = async (input: ConstructorParameters<typeof CreateScheduleCommand>[0]) => {
    try {
      await client.send(new CreateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
    }
  };
  return {
    async at(name, at, event) {
      // Scheduler refuses a time in the past; a little ahead of now runs it at once.
      const when = new Date(Math.max(at.getTime(), Date.now() + 5_000));
      await create({
        Name: safeName(name),
        GroupName: config.groupName,
        ScheduleExpression: atExpression(when),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: target(event),
      });
    },
    async daily(name, time, timeZone, event) {
      const [h, m] = time.split(':').map(Number);
      await create({
        Name: safeName(name),
        GroupName: config.groupName,
        ScheduleExpression: `cron(${m} ${h} * * ? *)`,
        ScheduleExpressionTimezone: timeZone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target(event),
      });
    },
    async remove(name) {
      try {
        await client.send(new DeleteScheduleCommand({ Name: safeName(name), GroupName: config.groupName }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    },
  };
}
