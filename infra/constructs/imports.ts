import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { importStateMachineDefinition } from '../../shared/imports/state-machine';

/** SPEC I7: the import state machine, from the one definition the local runner also executes. */
export class Imports extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: { definitionSubstitutions?: Record<string, string> } = {}) {
    super(scope, id);
    this.stateMachine = new StateMachine(this, 'ImportStateMachine', {
      // Standard: an import may outlive Express's 5 minutes and must run exactly once.
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(JSON.stringify(importStateMachineDefinition)),
      definitionSubstitutions: props.definitionSubstitutions,
      timeout: Duration.hours(1),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY }),
        level: LogLevel.ALL,
      },
    });
  }
}
