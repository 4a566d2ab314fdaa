import { Duration } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKeySourceType,
  AuthorizationType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  IdentitySource,
  ResponseType,
  RestApi,
  UsagePlan,
} from 'aws-cdk-lib/aws-apigateway';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { routes, type RouteDefinition } from '../../shared/routes';
import { errorCatalog, type ErrorCode } from '../../shared/http/errors';
import { HouseFunction } from './function';

/** SPEC W4: each workspace's key is throttled at 10 requests/s with a bucket of 10. */
export const THROTTLE = { rateLimit: 10, burstLimit: 10 } as const;
/** How long API Gateway reuses an authorizer decision: the delay before a deactivated key is refused. */
export const AUTHORIZER_CACHE_SECONDS = 30;

export interface ApiProps {
  readonly table: ITable;
  readonly stage: string;
  readonly signingSecret: ISecret;
  readonly publicBaseUrl?: string;
  readonly systemSender: string;
  readonly sesConfigurationSet: string;
}

/** The envelope for API Gateway's own answers, with the codes of shared/http/errors.ts. */
const envelopeTemplate = (code: ErrorCode) =>
  JSON.stringify({ Ok: false, Error: { Code: code, HttpStatusCode: errorCatalog[code].status, Message: errorCatalog[code].message }, Value: null });

/** API Gateway REST API built from the shared route table: one function per route. */
export class Api extends Construct {
  readonly restApi: RestApi;
  readonly usagePlan: UsagePlan;
  readonly functions = new Map<string, HouseFunction>();
  readonly authorizerFunction: HouseFunction;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS });
    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: `newsletter-${props.stage}`,
      apiKeySourceType: ApiKeySourceType.AUTHORIZER,
      cloudWatchRole: true,
      deployOptions: {
        stageName: props.stage,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        tracingEnabled: true,
      },
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
      [ResponseType.DEFAULT_4XX, 'INVALID_REQUEST'],
      [ResponseType.DEFAULT_5XX, 'INTERNAL_ERROR'],
    ] as const) {
      // The catch-alls keep API Gateway's own status; the others answer ours.
      const catchAll = type === ResponseType.DEFAULT_4XX || type === ResponseType.DEFAULT_5XX;
      this.restApi.addGatewayResponse(`Response${type.responseType}`, {
        type,
        ...(catchAll ? {} : { statusCode: String(errorCatalog[code].status) }),
        templates: { 'application/json': envelopeTemplate(code) },
      });
    }

    const environment = {
      PUBLIC_BASE_URL: props.publicBaseUrl ?? '',
      SYSTEM_SENDER: props.systemSender,
      SES_CONFIGURATION_SET: props.sesConfigurationSet,
    };
    this.authorizerFunction = new HouseFunction(this, 'Authorizer', {
      entry: 'functions/authorizer/handler.ts',
      signingSecret: props.signingSecret,
      environment,
    }).bindTable(props.table, 'R');
    const authorizer = new RequestAuthorizer(this, 'AccessTokenAuthorizer', {
      handler: this.authorizerFunction,
      identitySources: [IdentitySource.header('AccessToken')],
      resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
    });

    for (const route of routes) {
      const fn = new HouseFunction(this, functionId(route), {
        entry: route.entry,
        signingSecret: route.access === 'none' ? undefined : props.signingSecret,
        environment,
      }).bindTable(props.table, route.access);
      this.functions.set(route.id, fn);
      this.restApi.root.resourceForPath(route.path).addMethod(route.method, new LambdaIntegration(fn), {
        operationName: route.id,
        ...(route.auth === 'apiKey'
          ? { authorizer, authorizationType: AuthorizationType.CUSTOM, apiKeyRequired: true }
          : { authorizationType: AuthorizationType.NONE }),
      });
    }

    this.usagePlan = this.restApi.addUsagePlan('PerWorkspace', {
      name: `newsletter-${props.stage}-per-workspace`,
      description: 'One API key per workspace (created with the workspace); SPEC W4 10 requests/s',
      throttle: THROTTLE,
      apiStages: [{ api: this.restApi, stage: this.restApi.deploymentStage }],
    });
  }
}

export const functionId = (route: RouteDefinition) =>
  route.id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
