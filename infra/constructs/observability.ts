import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { Api } from './api';

import { METRICS_NAMESPACE } from '#shared/metrics/names';

export { METRICS_NAMESPACE };

/** Alarms an operator wants to hear about: server errors, sustained throttling, undeliverable schedules, dead letters. */
export class Observability extends Construct {
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: { api: Api; stage: string; deadLetters: Queue; workerLogs: ILogGroup }) {
    super(scope, id);
    const fiveMinutes = { period: Duration.minutes(5) };
    // API Gateway's 4XXError lumps 429 with every client mistake; the access log knows the status.
    const throttled = new MetricFilter(this, 'Throttled', {
      logGroup: props.api.accessLogs,
      filterPattern: FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: METRICS_NAMESPACE,
      metricName: 'Throttled',
      dimensions: { Stage: '$.stage' },
      metricValue: '1',
    }).metric({ ...fiveMinutes, statistic: 'Sum', dimensionsMap: { Stage: props.stage } });
    // Issue 12: every item the shared worker parks is logged once as `dead letter` (shared/dead-letters.ts).
    const deadLetters = new MetricFilter(this, 'WorkerDeadLetters', {
      logGroup: props.workerLogs,
      filterPattern: FilterPattern.stringValue('$.message', '=', 'dead letter'),
      metricNamespace: METRICS_NAMESPACE,
      metricName: 'DeadLetters',
      metricValue: '1',
    }).metric({ ...fiveMinutes, statistic: 'Sum' });
    this.alarms = [
      new Alarm(this, 'DeadLetters', {
        alarmDescription:
          "A tenant's webhook batch, delivery or automation facts were parked after their retries: the webhook's delivery log and the automated email's dashboard show them with the reason",
        metric: deadLetters,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'Api5xx', {
        alarmDescription: 'API answered 5xx: a handler or the authorizer failed (function logs, by request id in the access log)',
        metric: props.api.restApi.metricServerError({ ...fiveMinutes, statistic: 'Sum' }),
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'ApiThrottled', {
        alarmDescription:
          'Sustained 429s: a workspace keeps exceeding 10 requests/s (SPEC W4); the access log names it (workspaceId)',
        metric: throttled,
        threshold: 100,
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'SchedulerDeadLetters', {
        alarmDescription: 'EventBridge Scheduler could not invoke the dispatcher: sends are waiting in the dead-letter queue',
        metric: props.deadLetters.metricApproximateNumberOfMessagesVisible({ ...fiveMinutes, statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];
  }
}
