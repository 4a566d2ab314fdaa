import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { resolve } from 'node:path';
import type { TableAccess } from '../../shared/routes';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface HouseFunctionProps extends Omit<NodejsFunctionProps, 'entry' | 'runtime'> {
  /** Handler module relative to the repository root. */
  readonly entry: string;
  readonly signingSecret?: ISecret;
}

/**
 * NodejsFunction with the house defaults: current Node.js on arm64, ESM bundle by esbuild (no
 * Docker), a log group with retention, X-Ray, structured-log settings. `bindTable` grants the
 * least table access that names the need.
 */
export class HouseFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.seconds(29),
      tracing: Tracing.ACTIVE,
      logGroup,
      ...props,
      entry: resolve(repoRoot, props.entry),
      projectRoot: repoRoot,
      depsLockFilePath: resolve(repoRoot, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'newsletter',
        ...(props.signingSecret ? { LINK_SIGNING_SECRET_ARN: props.signingSecret.secretArn } : {}),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // Some dependencies still call require(); ESM bundles need it defined.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        externalModules: ['@aws-sdk/*'],
        ...props.bundling,
      },
    });
    props.signingSecret?.grantRead(this);
  }

  bindTable(table: ITable, access: TableAccess): this {
    this.addEnvironment('TABLE_NAME', table.tableName);
    if (access === 'R') table.grantReadData(this);
    else if (access === 'RW') table.grantReadWriteData(this);
    return this;
  }
}
