import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { importStateMachineDefinition } from '../../shared/imports/state-machine';

/** The `${Name}` placeholders of an ASL document: the DefinitionSubstitutions it needs. */
export function placeholdersOf(definition: unknown): string[] {
  return [...new Set([...JSON.stringify(definition).matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!))].sort();
}

export interface ImportsProps {
  /**
   * The Lambda behind each `${Placeholder}` of the definition: its ARN is substituted in and the
   * state machine may invoke it (and only it). Empty while the definition has no Task states.
   */
  readonly tasks?: Readonly<Record<string, IFunction>>;
}

/** SPEC I7: the import state machine, from the one definition the local runner also executes. */
export class Imports extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: ImportsProps = {}) {
    super(scope, id);
    const tasks = props.tasks ?? {};
    // A placeholder without a task would deploy as a literal `${...}` and fail at run time: fail at synth instead.
    const needed = placeholdersOf(importStateMachineDefinition);
    const missing = needed.filter((name) => !(name in tasks));
    const unused = Object.keys(tasks).filter((name) => !needed.includes(name));
    if (missing.length || unused.length) {
      throw new Error(`import state machine substitutions: missing [${missing.join(', ')}], unused [${unused.join(', ')}]`);
    }
    this.stateMachine = new StateMachine(this, 'ImportStateMachine', {
      // Standard: an import may outlive Express's 5 minutes and must run exactly once.
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(JSON.stringify(importStateMachineDefinition)),
      ...(needed.length
        ? { definitionSubstitutions: Object.fromEntries(Object.entries(tasks).map(([name, fn]) => [name, fn.functionArn])) }
        : {}),
      timeout: Duration.hours(1),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY }),
        level: LogLevel.ALL,
      },
    });
    for (const fn of Object.values(tasks)) fn.grantInvoke(this.stateMachine);
  }
}
