import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { importTasks } from '../../shared/imports/state-machine';
import { HouseFunction } from './function';
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

export interface ImportTaskFunctionsProps {
  readonly table: ITable;
  readonly signingSecret: ISecret;
  /** INTEGRATIONS_CONFIG: the providers' endpoints and client ids (JSON). */
  readonly integrationsConfig: string;
  /** The providers' client secrets (JSON `{"sixshop": "...", "donus": "..."}`). */
  readonly clientSecrets: ISecret;
  /** The KMS key OAuth tokens are encrypted under. */
  readonly tokenKey: IKey;
}

/** Lambda timeouts a little under each Task state's TimeoutSeconds, so a task never outlives its state. */
const taskTimeouts: Record<string, Duration> = {
  'import-write-page': Duration.seconds(110),
  'import-prepare': Duration.seconds(290),
  'import-switch': Duration.seconds(290),
  'import-cleanup': Duration.seconds(890),
  'import-compensate': Duration.seconds(890),
};

/** One Lambda per Task placeholder of the definition (functions/<id>/handler.ts), with what imports need. */
export function importTaskFunctions(scope: Construct, props: ImportTaskFunctionsProps): Record<string, HouseFunction> {
  const out: Record<string, HouseFunction> = {};
  for (const [placeholder, id] of Object.entries(importTasks)) {
    const fn = new HouseFunction(scope, placeholder, {
      entry: `functions/${id}/handler.ts`,
      signingSecret: props.signingSecret,
      timeout: taskTimeouts[id] ?? Duration.seconds(290),
      environment: {
        INTEGRATIONS_CONFIG: props.integrationsConfig,
        INTEGRATIONS_SECRET_ARN: props.clientSecrets.secretArn,
        TOKEN_KMS_KEY_ID: props.tokenKey.keyArn,
      },
    }).bindTable(props.table, 'RW');
    props.clientSecrets.grantRead(fn);
    // Tasks refresh tokens: they decrypt the stored ones and encrypt the new ones.
    // Exactly what the KMS adapter calls (grantEncryptDecrypt would add GenerateDataKey* and ReEncrypt*).
    props.tokenKey.grant(fn, 'kms:Encrypt', 'kms:Decrypt');
    out[placeholder] = fn;
  }
  return out;
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
