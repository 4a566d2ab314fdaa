import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** Alarms an operator wants paged on: server errors, sustained throttling, undeliverable schedules. */
export class Observability extends Construct {
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: { api: RestApi; deadLetters: Queue }) {
    super(scope, id);
    const fiveMinutes = { period: Duration.minutes(5) };
    this.alarms = [
      new Alarm(this, 'Api5xx', {
        alarmDescription: 'API answered 5xx: a handler failed (see the function logs by request id)',
        metric: props.api.metricServerError({ ...fiveMinutes, statistic: 'Sum' }),
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'Api4xxSpike', {
        alarmDescription: 'Many 4xx, mostly 429 throttles (SPEC W4) or refused keys: a client is misbehaving',
        metric: props.api.metricClientError({ ...fiveMinutes, statistic: 'Sum' }),
        threshold: 500,
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'SchedulerDeadLetters', {
        alarmDescription: 'EventBridge Scheduler could not invoke the dispatcher: sends are waiting',
        metric: props.deadLetters.metricApproximateNumberOfMessagesVisible({ ...fiveMinutes, statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];
  }
}
