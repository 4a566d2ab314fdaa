import { Duration, NestedStack, Stack } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  ApiKeySourceType,
  AuthorizationType,
  AwsIntegration,
  EndpointType,
  SecurityPolicy,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  IdentitySource,
  Method,
  ResponseType,
  RestApi,
  UsagePlan,
} from 'aws-cdk-lib/aws-apigateway';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { routes as routeTable, type RouteDefinition } from '../../shared/routes';
import { errorCatalog, type ErrorCode } from '../../shared/http/errors';
import { v2ErrorBody } from '../../shared/http/conventions/v2';
import { HouseFunction } from './function';
import type { Mail } from './mail';
import { routeStackOf } from '../route-stacks';

/** API Gateway's wildcard: treat every media type as binary. */
export const BINARY_MEDIA_TYPES_ALL = '*/*';

/** SPEC W4: each workspace's key is throttled at 10 requests/s with a bucket of 10. */
export const THROTTLE = { rateLimit: 10, burstLimit: 10 } as const;
/**
 * How long API Gateway reuses an authorizer decision for the same AccessToken: a deactivated or
 * deleted key keeps working in AWS for at most this long (locally it is refused at once). Sixty
 * seconds spares one authorizer call and one DynamoDB read per request of a busy client (at
 * 10 requests/s, 599 of every 600) at the price of that delay; docs/deploy.md tells operators.
 */
export const AUTHORIZER_CACHE_SECONDS = 60;

export interface CustomDomain {
  readonly domainName: string;
  readonly certificateArn: string;
}

export interface ApiProps {
  readonly table: ITable;
  readonly stage: string;
  readonly signingSecret: ISecret;
  /** Base of links in emails; default the custom domain, else the stage's own execute-api URL. */
  readonly publicBaseUrl?: string;
  /** Optional custom domain (regional) with an ACM certificate of the API's region; the API sits at its root. */
  readonly customDomain?: CustomDomain;
  readonly systemSender: string;
  /** SES: routes with `sendsMail` may send through it. */
  readonly mail: Mail;
  /** The routes to serve; default the route table (test/infra-limits.test.ts passes a longer one). */
  readonly routes?: readonly RouteDefinition[];
}

/**
 * One JSON line per request. Beyond the standard fields: the workspace (who is being throttled,
 * who causes errors) and API Gateway's own error type (THROTTLED, UNAUTHORIZED, ...). No header
 * values: the AccessToken never reaches a log.
 */
const accessLogFormat = () =>
  AccessLogFormat.custom(
    JSON.stringify({
      requestId: AccessLogField.contextRequestId(),
      requestTime: AccessLogField.contextRequestTime(),
      ip: AccessLogField.contextIdentitySourceIp(),
      stage: AccessLogField.contextStage(),
      httpMethod: AccessLogField.contextHttpMethod(),
      resourcePath: AccessLogField.contextResourcePath(),
      status: AccessLogField.contextStatus(),
      responseLength: AccessLogField.contextResponseLength(),
      latencyMs: AccessLogField.contextResponseLatency(),
      workspaceId: AccessLogField.contextAuthorizer('workspaceId'),
      errorType: AccessLogField.contextErrorResponseType(),
      errorMessage: AccessLogField.contextErrorMessage(),
    }),
  );

/**
 * API Gateway's own answers (no key, throttled, too large, ...). Gateway responses belong to the
 * whole API, not to a path, so one body serves both versions (issue 13): the v1 envelope's
 * `Ok`/`Error`/`Value` and, beside them, the v2 error's `code`/`httpStatusCode`/`message`.
 * Each version's callers read their own keys and ignore the others'. The status is the same in
 * both versions for these answers (shared/http/conventions/v2-errors.ts keeps it).
 */
export const gatewayResponseBody = (code: ErrorCode) => ({
  Ok: false,
  Error: { Code: code, HttpStatusCode: errorCatalog[code].status, Message: errorCatalog[code].message },
  Value: null,
  ...v2ErrorBody(code),
});
const envelopeTemplate = (code: ErrorCode) => JSON.stringify(gatewayResponseBody(code));

/**
 * API Gateway REST API built from the shared route table: one function per route. The REST API,
 * its resource tree (one resource per path segment), authorizer, deployment, stage and usage
 * plan sit in the parent stack; each route's function, role, log group, method and invoke
 * permission sit in the nested stack of its area (infra/route-stacks.ts), so the parent does not
 * grow by six resources a route and CloudFormation's 500 per stack stays far away.
 */
export class Api extends Construct {
  readonly restApi: RestApi;
  readonly usagePlan: UsagePlan;
  readonly routes: readonly RouteDefinition[];
  readonly functions = new Map<string, HouseFunction>();
  /** Route id -> its API Gateway method. */
  readonly methods = new Map<string, Method>();
  /** Nested stack id (routeStackOf) -> the nested stack holding those routes. */
  readonly routeStacks = new Map<string, NestedStack>();
  readonly authorizerFunction: HouseFunction;
  readonly accessLogs: LogGroup;
  /** What PUBLIC_BASE_URL is for every function that writes links. */
  readonly publicBaseUrl: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const accessLogs = (this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS }));
    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: `newsletter-${props.stage}`,
      apiKeySourceType: ApiKeySourceType.AUTHORIZER,
      // Every media type is binary to API Gateway, so a handler's isBase64Encoded answer (the open
      // pixel) reaches the client as bytes whatever its Accept header says. The price: every request
      // body arrives base64-encoded, which the handlers' first middleware decodes (decoded-body.ts).
      binaryMediaTypes: [BINARY_MEDIA_TYPES_ALL],
      cloudWatchRole: true,
      deployOptions: {
        stageName: props.stage,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: accessLogFormat(),
        loggingLevel: MethodLoggingLevel.ERROR,
        tracingEnabled: true,
      },
      ...(props.customDomain
        ? {
            domainName: {
              domainName: props.customDomain.domainName,
              certificate: Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
              endpointType: EndpointType.REGIONAL,
              securityPolicy: SecurityPolicy.TLS_1_2,
            },
          }
        : {}),
    });

    for (const [type, code] of [
      [ResponseType.UNAUTHORIZED, 'UNAUTHORIZED'],
      [ResponseType.ACCESS_DENIED, 'UNAUTHORIZED'],
      [ResponseType.INVALID_API_KEY, 'UNAUTHORIZED'],
      [ResponseType.MISSING_AUTHENTICATION_TOKEN, 'NOT_FOUND'],
      [ResponseType.RESOURCE_NOT_FOUND, 'NOT_FOUND'],
      [ResponseType.THROTTLED, 'TOO_MANY_REQUESTS'],
      [ResponseType.QUOTA_EXCEEDED, 'TOO_MANY_REQUESTS'],
      [ResponseType.REQUEST_TOO_LARGE, 'PAYLOAD_TOO_LARGE'],
      [ResponseType.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_MEDIA_TYPE'],
      [ResponseType.DEFAULT_4XX, 'INVALID_REQUEST'],
      [ResponseType.DEFAULT_5XX, 'INTERNAL_ERROR'],
    ] as const) {
      // The status is the envelope's HttpStatusCode, also for the catch-alls: a template cannot
      // branch on API Gateway's own status, and a body that disagrees with its status misleads clients.
      this.restApi.addGatewayResponse(`Response${type.responseType}`, {
        type,
        statusCode: String(errorCatalog[code].status),
        templates: { 'application/json': envelopeTemplate(code) },
      });
    }

    // The stage URL from the API id, not `restApi.url`: that names the stage, which depends on
    // every method, which depends on these functions, so using it here would be a cycle.
    const { region, urlSuffix } = Stack.of(this);
    this.publicBaseUrl =
      props.publicBaseUrl ??
      (props.customDomain
        ? `https://${props.customDomain.domainName}`
        : `https://${this.restApi.restApiId}.execute-api.${region}.${urlSuffix}/${props.stage}`);

    // SENDER_IDENTITIES: sender addresses are SES email identities in AWS (shared/senders/identities.ts).
    const environment = { SYSTEM_SENDER: props.systemSender, SES_CONFIGURATION_SET: props.mail.configurationSet.configurationSetName, SENDER_IDENTITIES: 'ses' };
    // Reads key hashes and the workspace's usage-plan key: the table, read-only, and nothing else.
    this.authorizerFunction = new HouseFunction(this, 'Authorizer', {
      entry: 'functions/authorizer/handler.ts',
      memorySize: 512,
      timeout: Duration.seconds(10),
    }).bindTable(props.table, 'R');
    const authorizer = new RequestAuthorizer(this, 'AccessTokenAuthorizer', {
      handler: this.authorizerFunction,
      identitySources: [IdentitySource.header('AccessToken')],
      resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
    });

    this.routes = props.routes ?? routeTable;
    const apiGateway = new ServicePrincipal('apigateway.amazonaws.com');
    for (const route of this.routes) {
      const stackId = routeStackOf(route);
      let scope = this.routeStacks.get(stackId);
      if (!scope) this.routeStacks.set(stackId, (scope = new NestedStack(this, stackId, { description: `Routes of the ${stackId} area (infra/route-stacks.ts)` })));
      const fn = new HouseFunction(scope, functionId(route), {
        entry: route.entry,
        signingSecret: route.access === 'none' ? undefined : props.signingSecret,
        publicBaseUrl: this.publicBaseUrl,
        environment,
        ...(route.bundleFiles ? { bundling: bundlingWithFiles(route.bundleFiles) } : {}),
      }).bindTable(props.table, route.access);
      // The logical id is the route's (functionId), in whichever template holds it: the bundle
      // test and an operator reading a nested template find a route's function by name.
      (fn.node.defaultChild as CfnFunction).overrideLogicalId(functionId(route));
      if (route.sendsMail) props.mail.grantSend(fn);
      if (route.senderIdentities) props.mail.grantSenderIdentities(fn);
      this.functions.set(route.id, fn);
      // The method in the function's nested stack, on the parent's resource tree. Method itself
      // makes the parent's deployment depend on it (so the stage includes it) and adds it to the
      // deployment's logical id (so a changed route is deployed again).
      const method = new Method(scope, `${functionId(route)}Method`, {
        resource: this.restApi.root.resourceForPath(route.path),
        httpMethod: route.method,
        // What LambdaIntegration renders, without its invoke permission: that one names the stage
        // by reference, and a nested stack that refers to the stage, which depends on the
        // deployment, which depends on the nested stack's methods, would be a cycle.
        integration: new AwsIntegration({ proxy: true, service: 'lambda', path: `2015-03-31/functions/${fn.functionArn}/invocations` }),
        options: {
          operationName: route.id,
          ...(route.auth === 'apiKey'
            ? { authorizer, authorizationType: AuthorizationType.CUSTOM, apiKeyRequired: true }
            : { authorizationType: AuthorizationType.NONE }),
        },
      });
      // API Gateway may invoke the function for this method of this stage only; no second
      // permission for the console's test button (one resource a route fewer).
      fn.addPermission('ApiPermission', {
        principal: apiGateway,
        sourceArn: this.restApi.arnForExecuteApi(route.method, route.path.replace(/\{[^}]*\}/g, '*'), props.stage),
      });
      this.methods.set(route.id, method);
    }

    this.usagePlan = this.restApi.addUsagePlan('PerWorkspace', {
      name: `newsletter-${props.stage}-per-workspace`,
      description: 'One API key per workspace (created with the workspace); SPEC W4 10 requests/s',
      throttle: THROTTLE,
      apiStages: [
        {
          api: this.restApi,
          stage: this.restApi.deploymentStage,
          // SPEC A3a: the automated-email API is held to 3 requests/s per workspace on top of the 10.
          throttle: this.routes.filter((r) => r.throttle).map((r) => ({ method: this.methods.get(r.id)!, throttle: r.throttle! })),
        },
      ],
    });
  }
}

/** esbuild's output plus the route's files, copied beside index.mjs (the docs' Swagger UI). */
const bundlingWithFiles = (files: readonly string[]) => ({
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => files.map((file) => `cp "${inputDir}/${file}" "${outputDir}/"`),
  },
});

export const functionId = (route: RouteDefinition) =>
  route.id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
