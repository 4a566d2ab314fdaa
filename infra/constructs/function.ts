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

/**
 * One runtime for every function: the newest Node.js Lambda offers (the issue asks for the
 * current runtime, and cdk-nag AwsSolutions-L1 fails anything older). The esbuild target follows it.
 */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;
const ESBUILD_TARGET = 'node24';

/** How long function logs are kept (structured JSON from shared/logger.ts). */
export const FUNCTION_LOG_RETENTION = RetentionDays.ONE_MONTH;

export interface HouseFunctionProps extends Omit<NodejsFunctionProps, 'entry' | 'runtime'> {
  /** Handler module relative to the repository root. */
  readonly entry: string;
  /**
   * The HMAC key of links in emails. The functions get its ARN (LINK_SIGNING_SECRET_ARN) and read
   * it once per cold start (shared/runtime/deps.ts). Secrets Manager rather than an SSM parameter:
   * CloudFormation can generate a Secrets Manager value at deploy time, so nobody ever types or
   * sees it, whereas an SSM SecureString cannot be created by CloudFormation at all and a plain
   * String would sit readable in the parameter store. Functions that sign nothing leave it out.
   */
  readonly signingSecret?: ISecret;
  /** Base of links in emails (PUBLIC_BASE_URL): the custom domain, or the API's own URL. */
  readonly publicBaseUrl?: string;
}

/**
 * NodejsFunction with the house defaults: Node.js 24 on arm64, an ESM bundle by the local esbuild
 * (no Docker), a log group with retention, X-Ray, the environment every handler reads.
 * `bindTable` grants the least table access that names the need and sets TABLE_NAME.
 */
export class HouseFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: FUNCTION_LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      architecture: Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.seconds(29),
      tracing: Tracing.ACTIVE,
      logGroup,
      ...props,
      runtime: FUNCTION_RUNTIME,
      entry: resolve(repoRoot, props.entry),
      projectRoot: repoRoot,
      depsLockFilePath: resolve(repoRoot, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'newsletter',
        ...(props.publicBaseUrl !== undefined ? { PUBLIC_BASE_URL: props.publicBaseUrl } : {}),
        ...(props.signingSecret ? { LINK_SIGNING_SECRET_ARN: props.signingSecret.secretArn } : {}),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: ESBUILD_TARGET,
        minify: true,
        sourceMap: true,
        // Some dependencies still call require(); an ESM bundle has to define it.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        // No `externalModules`: the bundle carries the project's locked @aws-sdk/* versions rather
        // than whatever SDK the Lambda runtime ships (docs/deploy.md, "Lambda bundles and the AWS SDK").
        externalModules: [],
        ...props.bundling,
      },
    });
    props.signingSecret?.grantRead(this);
  }

  /** 'R' -> read actions only, 'RW' -> read and write, 'none' -> no table at all. */
  bindTable(table: ITable, access: TableAccess): this {
    if (access === 'none') return this;
    this.addEnvironment('TABLE_NAME', table.tableName);
    if (access === 'R') table.grantReadData(this);
    else table.grantReadWriteData(this);
    return this;
  }
}
