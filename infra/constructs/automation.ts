import { Duration, Stack } from 'aws-cdk-lib';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
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

  constructor(scope: Construct, id: string, props: AutomationProps) {
    super(scope, id);
    this.scheduleGroup = new CfnScheduleGroup(this, 'Group', { name: `newsletter-${props.stage}` });
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.dispatcher = new HouseFunction(this, 'Dispatcher', {
      entry: 'functions/automation-dispatch/handler.ts',
      signingSecret: props.signingSecret,
      publicBaseUrl: props.publicBaseUrl,
      timeout: Duration.minutes(5),
      environment: {
        SCHEDULE_GROUP: this.scheduleGroup.name!,
        SYSTEM_SENDER: props.systemSender,
        SES_CONFIGURATION_SET: props.mail.configurationSet.configurationSetName,
      },
    }).bindTable(props.table, 'RW');
    props.mail.grantSend(this.dispatcher);
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      // Only schedules of this account may use it (confused-deputy protection).
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Assumed by EventBridge Scheduler to invoke the automated-email dispatcher only',
    });
    this.schedulerRole.addToPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['lambda:InvokeFunction'], resources: [this.dispatcher.functionArn] }),
    );
    this.deadLetters.grantSendMessages(this.schedulerRole);
    this.dispatcher.addEnvironment('SCHEDULER_ROLE_ARN', this.schedulerRole.roleArn);
    this.dispatcher.addEnvironment('SCHEDULER_DLQ_ARN', this.deadLetters.queueArn);
  }
}
