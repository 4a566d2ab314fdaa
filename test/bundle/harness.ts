/**
 * Puts the bundle test's pieces together for one test file (issue 11): the cloud assembly, the
 * template's table created in the shared DynamoDB Local from shared/table/definition.ts (with the
 * template's stream), the AWS stub, the Lambda service running the bundles, API Gateway, the
 * stream mapping, the rules and the state machines.
 */
import { DynamoDBClient, UpdateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '#shared/local/bootstrap-table';
import { tableDefinition } from '#shared/table/definition';
import { readAssembly, type Assembly, type FunctionSpec } from './assembly';
import { AwsStub } from './aws-stub';
import { LambdaService, type LambdaServiceOptions } from './lambda';
import { ApiGateway } from './gateway';
import { StreamMapping } from './event-sources';
import { StepFunctionsRunner } from './step-functions';

export interface Harness {
  readonly assembly: Assembly;
  readonly stub: AwsStub;
  readonly lambda: LambdaService;
  readonly gateway: ApiGateway;
  readonly stream: StreamMapping;
  readonly stepFunctions: StepFunctionsRunner;
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
  close(): Promise<void>;
}

/** The template's key schema must be the shared definition's, or the local table would not be the deployed one. */
function assertTableMatchesDefinition(assembly: Assembly): void {
  const [table] = assembly.tables;
  const expected = [
    { AttributeName: tableDefinition.partitionKey.name, KeyType: 'HASH' },
    { AttributeName: tableDefinition.sortKey.name, KeyType: 'RANGE' },
  ];
  if (assembly.tables.length !== 1 || JSON.stringify(table!.keySchema) !== JSON.stringify(expected)) {
    throw new Error(`the template's table ${JSON.stringify(assembly.tables)} is not shared/table/definition.ts's`);
  }
}

export async function startHarness(options: {
  assemblyDir: string;
  dynamoLocal: string;
  environmentOverrides?: LambdaServiceOptions['environmentOverrides'];
}): Promise<Harness> {
  const assembly = readAssembly(options.assemblyDir);
  assertTableMatchesDefinition(assembly);
  const table = assembly.tables[0]!;
  const dynamo = new DynamoDBClient({ endpoint: options.dynamoLocal, region: 'ap-northeast-2', credentials: { accessKeyId: 'bundletest', secretAccessKey: 'x' } });
  await ensureTable(dynamo, table.name);
  const described = await dynamo.send(new DescribeTableCommand({ TableName: table.name }));
  if (table.streamViewType && !described.Table?.StreamSpecification?.StreamEnabled) {
    await dynamo.send(new UpdateTableCommand({ TableName: table.name, StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType as 'NEW_AND_OLD_IMAGES' } }));
  }

  let stub!: AwsStub;
  let stepFunctions!: StepFunctionsRunner;
  stub = new AwsStub({ assembly, dynamoLocal: options.dynamoLocal, runExecution: (execution) => stepFunctions.run(execution) });
  await stub.start();
  const lambda = new LambdaService({
    functions: assembly.functions,
    awsEndpoint: stub.url,
    dynamoEndpoint: stub.dynamoUrl,
    ...(options.environmentOverrides ? { environmentOverrides: options.environmentOverrides } : {}),
  });
  stepFunctions = new StepFunctionsRunner(lambda, () => stub);
  if (assembly.restApis.length !== 1) throw new Error(`expected one REST API, the template has ${assembly.restApis.length}`);
  const gateway = new ApiGateway(assembly, lambda, assembly.restApis[0]!);
  const [mapping] = assembly.eventSourceMappings;
  if (!mapping) throw new Error('the template has no event-source mapping');
  const worker: FunctionSpec = lambda.byArnOrName(mapping.functionName);
  const stream = new StreamMapping(options.dynamoLocal, table, mapping, worker, lambda, assembly);
  await stream.start();
  return {
    assembly,
    stub,
    lambda,
    gateway,
    stream,
    stepFunctions,
    dynamo,
    tableName: table.name,
    async close() {
      await lambda.close();
      await stub.close();
      dynamo.destroy();
    },
  };
}
