import { Duration } from 'aws-cdk-lib';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { HouseFunction } from './function';

/**
 * SPEC L10: the webhook worker. The table's stream wakes it when a request seals a batch of
 * events (only those records pass the filter); a one-minute rule runs retries that fell due.
 * A stream record is only a wake-up call: the events themselves stay in the table's outbox
 * until fanned out, so a stream batch that fails its retries loses nothing (the next
 * one-minute run delivers it) and needs no on-failure queue.
 */
export class Webhooks extends Construct {
  readonly worker: HouseFunction;

  constructor(scope: Construct, id: string, props: { table: TableV2; signingSecret: ISecret }) {
    super(scope, id);
    this.worker = new HouseFunction(this, 'Worker', {
      entry: 'functions/webhooks-worker/handler.ts',
      signingSecret: props.signingSecret,
      timeout: Duration.minutes(2),
      // One worker at a time keeps fan-out simple; claims make overlap safe anyway.
      reservedConcurrentExecutions: 2,
    }).bindTable(props.table, 'RW');
    this.worker.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        retryAttempts: 3,
        filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { NewImage: { type: { S: FilterRule.isEqual('eventSeal') } } } })],
      }),
    );
    new Rule(this, 'EveryMinute', {
      description: 'Webhook retries and batches whose request died before sealing them',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.worker)],
    });
  }
}
