import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { emailSendStateMachineDefinition, emailSendTasks } from '../../shared/emails/state-machine';
import { HouseFunction } from './function';
import { placeholdersOf } from './imports';
import type { Mail } from './mail';

export interface EmailSendsProps {
  readonly table: ITable;
  readonly signingSecret: ISecret;
  readonly mail: Mail;
  readonly publicBaseUrl: string;
  readonly mailRatePerSecond: number;
}

/** Lambda timeouts a little under each Task state's TimeoutSeconds, so a task never outlives its state. */
const taskTimeouts: Record<string, Duration> = {
  'email-send-prepare': Duration.seconds(55),
  'email-send-page': Duration.seconds(110),
  'email-send-finish': Duration.seconds(55),
};

/**
 * Issue 15: the email-send state machine, from the one definition the local runner also
 * executes, and its task Lambdas. Only the page task mails (SES, at the shared M3 rate).
 */
export class EmailSends extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: EmailSendsProps) {
    super(scope, id);
    const tasks: Record<string, HouseFunction> = {};
    for (const [placeholder, fnId] of Object.entries(emailSendTasks)) {
      const fn = new HouseFunction(this, placeholder, {
        entry: `functions/${fnId}/handler.ts`,
        signingSecret: props.signingSecret,
        publicBaseUrl: props.publicBaseUrl,
        timeout: taskTimeouts[fnId] ?? Duration.seconds(55),
        environment: {
          SES_CONFIGURATION_SET: props.mail.configurationSet.configurationSetName,
          MAIL_RATE_PER_SECOND: String(props.mailRatePerSecond),
        },
      }).bindTable(props.table, 'RW');
      if (fnId === 'email-send-page') props.mail.grantSend(fn);
      tasks[placeholder] = fn;
    }
    const needed = placeholdersOf(emailSendStateMachineDefinition);
    const missing = needed.filter((name) => !(name in tasks));
    if (missing.length) throw new Error(`email-send state machine substitutions missing: ${missing.join(', ')}`);
    this.stateMachine = new StateMachine(this, 'EmailSendStateMachine', {
      // Standard: a send to a million recipients outlives Express's 5 minutes, and runs once.
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(JSON.stringify(emailSendStateMachineDefinition)),
      definitionSubstitutions: Object.fromEntries(Object.entries(tasks).map(([name, fn]) => [name, fn.functionArn])),
      timeout: Duration.hours(24),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY }),
        level: LogLevel.ALL,
      },
    });
    for (const fn of Object.values(tasks)) fn.grantInvoke(this.stateMachine);
  }

  /** A function that starts sends (the send route, the dispatcher of reserved emails). */
  grantStart(fn: HouseFunction & IGrantable): void {
    fn.addEnvironment('EMAIL_SEND_STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
    this.stateMachine.grantStartExecution(fn);
  }
}
