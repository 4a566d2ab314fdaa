import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { HouseFunction } from './function';
import type { Mail } from './mail';

export interface AutomationProps {
  readonly table: ITable;
  readonly stage: string;
  readonly signingSecret: ISecret;
  /** Automated emails carry unsubscribe links (SPEC M1). */
  readonly publicBaseUrl: string;
  readonly systemSender: string;
  readonly mail: Mail;
  /** SPEC M3: the SES account's sending rate, shared by every sender. */
  readonly mailRatePerSecond: number;
}

/**
 * SPEC A8: EventBridge Scheduler drives automated sends. One schedule group for every entry,
 * the role Scheduler assumes (it may invoke the dispatcher and nothing else), the dispatcher,
 * and the dead-letter queue Scheduler uses when it cannot invoke it.
 */
export class Automation extends Construct {
  readonly dispatcher: HouseFunction;
  readonly schedulerRole: Role;
  readonly scheduleGroup: CfnScheduleGroup;
  readonly deadLetters: Queue;
  private readonly dispatcherArn: string;
  private readonly scheduleArns: string;

  constructor(scope: Construct, id: string, props: AutomationProps) {
    super(scope, id);
    this.scheduleGroup = new CfnScheduleGroup(this, 'Group', { name: `newsletter-${props.stage}` });
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // Named, so its ARN can be written into the entries it schedules (its own included) without a cycle.
    const dispatcherName = `newsletter-${props.stage}-automation-dispatch`;
    this.dispatcherArn = Stack.of(this).formatArn({ service: 'lambda', resource: 'function', resourceName: dispatcherName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.scheduleArns = Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.scheduleGroup.name}/*` });
    this.dispatcher = new HouseFunction(this, 'Dispatcher', {
      functionName: dispatcherName,
      entry: 'functions/automation-dispatch/handler.ts',
      signingSecret: props.signingSecret,
      publicBaseUrl: props.publicBaseUrl,
      timeout: Duration.minutes(5),
      environment: {
        SCHEDULE_GROUP: this.scheduleGroup.name!,
        SYSTEM_SENDER: props.systemSender,
        SES_CONFIGURATION_SET: props.mail.configurationSet.configurationSetName,
        MAIL_RATE_PER_SECOND: String(props.mailRatePerSecond),
      },
    }).bindTable(props.table, 'RW');
    props.mail.grantSend(this.dispatcher);
    this.mailRatePerSecond = props.mailRatePerSecond;
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      // Only schedules of this account may use it (confused-deputy protection).
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Assumed by EventBridge Scheduler to invoke the automated-email dispatcher only',
    });
    this.schedulerRole.addToPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['lambda:InvokeFunction'], resources: [this.dispatcherArn] }),
    );
    this.deadLetters.grantSendMessages(this.schedulerRole);
    this.grantSchedule(this.dispatcher);
  }

  readonly mailRatePerSecond: number;

  /**
   * Lets a function create and delete entries of this group that invoke the dispatcher (the
   * only target the role it passes may invoke), and tells it where they go.
   */
  grantSchedule(fn: IFunction & { addEnvironment(key: string, value: string): unknown }): void {
    fn.addEnvironment('SCHEDULE_GROUP', this.scheduleGroup.name!);
    fn.addEnvironment('SCHEDULER_ROLE_ARN', this.schedulerRole.roleArn);
    fn.addEnvironment('SCHEDULER_DLQ_ARN', this.deadLetters.queueArn);
    fn.addEnvironment('DISPATCHER_ARN', this.dispatcherArn);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'], resources: [this.scheduleArns] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['iam:PassRole'], resources: [this.schedulerRole.roleArn] }));
  }
}
