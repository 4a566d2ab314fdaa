/**
 * Issue 17: one CloudWatch dashboard for the operator: the business metrics the functions emit
 * as EMF (names, namespace and dimensions from shared/metrics/names.ts, the same the code
 * uses), the per-workspace throttle counted from the access log, and the stack's alarms.
 */
import { Duration } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  type Alarm,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { metricCatalog, METRICS_NAMESPACE, METRICS_SERVICE, type MetricName } from '#shared/metrics/names';
import { providers } from '#shared/ports/provider-config';

const period = Duration.minutes(5);

/** One EMF metric as the code emits it: `service` plus the catalog's dimensions. */
function emf(name: MetricName, dimensions: Record<string, string> = {}, statistic = 'Sum', label?: string): Metric {
  const missing = metricCatalog[name].dimensions.filter((d) => !(d in dimensions));
  if (missing.length) throw new Error(`dashboard metric ${name} needs its dimensions ${missing.join(', ')}`);
  return new Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap: { service: METRICS_SERVICE, ...dimensions }, statistic, period, ...(label ? { label } : {}) });
}

/** Every series of a metric, whatever its dimension values (failure reasons, workspaces). */
const search = (name: MetricName, label: string): IMetric => {
  const dims = ['service', ...metricCatalog[name].dimensions].filter((d) => name !== 'ThrottledByWorkspace' || d !== 'service');
  return new MathExpression({ expression: `SEARCH('{${METRICS_NAMESPACE},${dims.join(',')}} MetricName="${name}"', 'Sum', 300)`, label, period });
};

export interface DashboardProps {
  readonly stage: string;
  readonly accessLogs: ILogGroup;
  readonly alarms: readonly Alarm[];
}

export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    // API Gateway's usage plan throttles before any function runs (SPEC W4): the access log,
    // which names the workspace (the authorizer's context), is where the 429s are counted.
    new MetricFilter(this, 'ThrottledByWorkspace', {
      logGroup: props.accessLogs,
      filterPattern: FilterPattern.all(FilterPattern.stringValue('$.status', '=', '429'), FilterPattern.exists('$.workspaceId')),
      metricNamespace: METRICS_NAMESPACE,
      metricName: 'ThrottledByWorkspace' satisfies MetricName,
      dimensions: { WorkspaceId: '$.workspaceId' },
      metricValue: '1',
    });
    const sources = ['automation', 'email'];
    const kinds = ['delivery', 'batch', 'facts'];
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `newsletter-${props.stage}`,
      defaultInterval: Duration.hours(24),
      widgets: [
        [
          new TextWidget({ markdown: `# Newsletter (${props.stage})\nBusiness metrics (docs/operations.md) and alarms. Locally: \`npm run admin -- stats\`.`, width: 24, height: 2 }),
        ],
        [new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 3 })],
        [
          new GraphWidget({ title: 'Emails sent / dropped', width: 12, left: [...sources.map((s) => emf('EmailsSent', { Source: s }, 'Sum', `sent (${s})`)), ...sources.map((s) => emf('EmailsDropped', { Source: s }, 'Sum', `dropped (${s})`))] }),
          new GraphWidget({ title: 'Emails failed, by reason', width: 12, left: [search('EmailsFailed', 'failed')] }),
        ],
        [
          new GraphWidget({ title: 'Bounces and complaints (SPEC M2)', width: 12, left: [emf('Bounces', { BounceType: 'Permanent' }, 'Sum', 'permanent bounces'), emf('Bounces', { BounceType: 'Transient' }, 'Sum', 'transient bounces'), emf('Complaints')] }),
          new GraphWidget({
            title: 'Imports (SPEC I3, I4)',
            width: 12,
            left: providers.flatMap((p) => [emf('ImportsCompleted', { Provider: p }, 'Sum', `completed (${p})`), emf('ImportsFailed', { Provider: p }, 'Sum', `failed (${p})`)]),
            right: providers.map((p) => emf('ImportedMembers', { Provider: p }, 'Sum', `members (${p})`)),
          }),
        ],
        [
          new GraphWidget({ title: 'Import duration', width: 12, left: providers.flatMap((p) => [emf('ImportDuration', { Provider: p }, 'Average', `average (${p})`), emf('ImportDuration', { Provider: p }, 'Maximum', `max (${p})`)]) }),
          new GraphWidget({
            title: 'Webhook deliveries (SPEC L10) and dead letters (issue 12)',
            width: 12,
            left: [emf('WebhookDeliveries', {}, 'Sum', 'delivered'), emf('WebhookRetries', {}, 'Sum', 'retried')],
            right: kinds.map((k) => emf('DeadLettersParked', { Kind: k }, 'Sum', `dead letters (${k})`)),
          }),
        ],
        [new GraphWidget({ title: 'Throttled requests per workspace (SPEC W4)', width: 24, left: [search('ThrottledByWorkspace', 'throttled')] })],
      ],
    });
  }
}
