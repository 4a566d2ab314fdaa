import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SubscriptionProtocol } from 'aws-cdk-lib/aws-sns';
import { UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { Data } from './constructs/data';
import { Api, type CustomDomain } from './constructs/api';
import { Automation } from './constructs/automation';
import { Imports, importTaskFunctions } from './constructs/imports';
import { Mail } from './constructs/mail';
import { Observability } from './constructs/observability';
import { OperationsDashboard } from './constructs/dashboard';
import { EmailSends } from './constructs/email-sends';
import { Webhooks } from './constructs/webhooks';
import { PublicRateLimit, type WafWindowSeconds } from './constructs/public-rate-limit';
import type { RouteDefinition } from '../shared/routes';
import { resourceBudgetErrors } from './resource-budget';

export interface NewsletterStackProps extends StackProps {
  /** Stage name: part of resource names and the API stage (context `stage`, default `dev`). */
  readonly stage: string;
  /** Domain mail is sent from (context `senderDomain`). */
  readonly senderDomain: string;
  /** Public base URL for links in emails (context `publicBaseUrl`, optional; default the API's URL). */
  readonly publicBaseUrl?: string;
  /** Custom domain of the API (context `domainName` + `certificateArn`, optional). */
  readonly customDomain?: CustomDomain;
  /** SPEC M3: the SES account's maximum send rate (context `mailRatePerSecond`, default 14). */
  readonly mailRatePerSecond?: number;
  /**
   * The providers' endpoints and client ids (context `integrations`, JSON shaped like
   * INTEGRATIONS_CONFIG in docs/imports.md); default: placeholders to replace before connecting.
   */
  readonly integrationsConfig?: string;
  /** The routes to deploy; default the route table shared/routes.ts (tests pass a longer one). */
  readonly routes?: readonly RouteDefinition[];
  /** Issue 14: a WAF rate-based rule per client IP on the public routes (context `waf=true`, docs/deploy.md); default none. */
  readonly publicRateLimit?: { readonly limit: number; readonly windowSeconds?: WafWindowSeconds };
}

/** The integrations secret as the stack creates it: the keys the functions read, values for the operator to fill in. */
export const CLIENT_SECRETS_TEMPLATE = { sixshop: '', donus: '' } as const;

/** Placeholder provider configuration: the real endpoints are not public (docs/imports.md). */
export const defaultIntegrationsConfig = JSON.stringify({
  sixshop: { authorizeUrl: 'https://sixshop.example/oauth/authorize', tokenUrl: 'https://sixshop.example/oauth/token', apiBaseUrl: 'https://sixshop.example/api/v1', clientId: 'set-me', pageSize: 1000 },
  donus: { authorizeUrl: 'https://donus.example/oauth/authorize', tokenUrl: 'https://donus.example/oauth/token', apiBaseUrl: 'https://donus.example/v1', clientId: 'set-me', pageSize: 1000 },
});

/**
 * The app (SPEC Shape): API, table, scheduler, import state machine, mail, alarms, with the
 * routes' functions and methods in nested stacks by area (infra/route-stacks.ts). One
 * `cdk deploy` deploys them all.
 */
export class NewsletterStack extends Stack {
  readonly data: Data;
  readonly api: Api;
  readonly automation: Automation;
  readonly imports: Imports;
  /** Issue 15: the email-send state machine of regular emails. */
  readonly emailSends: EmailSends;
  readonly mail: Mail;
  readonly webhooks: Webhooks;
  /** The HMAC key of links in emails (see HouseFunctionProps.signingSecret for why Secrets Manager). */
  readonly linkSigningSecret: Secret;
  /** Issue 17: the operator's dashboard (business metrics and alarms). */
  readonly dashboard: OperationsDashboard;
  /** SPEC I1, R3: OAuth tokens of the integrations are encrypted under this key. */
  readonly integrationTokenKey: Key;
  /** The providers' OAuth client secrets, filled in by the operator (docs/imports.md). */
  readonly integrationClientSecrets: Secret;
  /** The WAF web ACL on the stage, when `publicRateLimit` asks for it. */
  readonly publicRateLimit?: PublicRateLimit;

  constructor(scope: Construct, id: string, props: NewsletterStackProps) {
    super(scope, id, props);
    // Past MAX_STACK_RESOURCES in any template the synth fails, naming the stack (docs/deploy.md).
    this.node.addValidation({ validate: () => resourceBudgetErrors(this) });
    this.data = new Data(this, 'Data');
    const signingSecret = (this.linkSigningSecret = new Secret(this, 'LinkSigningSecret', {
      description: 'HMAC key of signed links in emails (confirmation, unsubscribe, tracking)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    }));
    this.mail = new Mail(this, 'Mail', { senderDomain: props.senderDomain, stage: props.stage });
    this.api = new Api(this, 'Api', {
      table: this.data.table,
      stage: props.stage,
      signingSecret,
      publicBaseUrl: props.publicBaseUrl,
      customDomain: props.customDomain,
      systemSender: `no-reply@${props.senderDomain}`,
      mail: this.mail,
      routes: props.routes,
    });
    this.automation = new Automation(this, 'Automation', {
      table: this.data.table,
      stage: props.stage,
      signingSecret,
      publicBaseUrl: this.api.publicBaseUrl,
      systemSender: `no-reply@${props.senderDomain}`,
      mail: this.mail,
      mailRatePerSecond: props.mailRatePerSecond ?? 14,
    });
    // Integrations and imports (I1-I7)
    this.integrationTokenKey = new Key(this, 'IntegrationTokenKey', {
      description: 'Encrypts the OAuth tokens of Sixshop and Donus connections',
      enableKeyRotation: true,
    });
    // Created as the JSON the functions read, both values empty: until the operator fills them in
    // (docs/deploy.md), connecting answers INTEGRATION_NOT_CONFIGURED instead of failing to parse.
    // CloudFormation can only create a secret with a generated part: `generated` is unused.
    this.integrationClientSecrets = new Secret(this, 'IntegrationClientSecrets', {
      description: 'OAuth client secrets of the integrations: {"sixshop": "...", "donus": "..."}',
      generateSecretString: { secretStringTemplate: JSON.stringify(CLIENT_SECRETS_TEMPLATE), generateStringKey: 'generated', excludePunctuation: true },
    });
    const integrationsConfig = props.integrationsConfig ?? defaultIntegrationsConfig;
    this.imports = new Imports(this, 'Imports', {
      tasks: importTaskFunctions(this, {
        table: this.data.table,
        signingSecret,
        integrationsConfig,
        clientSecrets: this.integrationClientSecrets,
        tokenKey: this.integrationTokenKey,
      }),
    });
    // Request paths that talk to a provider or encrypt tokens get the same configuration.
    for (const id of ['integrations-connect', 'integrations-callback']) {
      const fn = this.api.functions.get(id)!;
      fn.addEnvironment('INTEGRATIONS_CONFIG', integrationsConfig);
      fn.addEnvironment('INTEGRATIONS_SECRET_ARN', this.integrationClientSecrets.secretArn);
      this.integrationClientSecrets.grantRead(fn);
    }
    const callback = this.api.functions.get('integrations-callback')!;
    callback.addEnvironment('TOKEN_KMS_KEY_ID', this.integrationTokenKey.keyArn);
    this.integrationTokenKey.grant(callback, 'kms:Encrypt');
    const importsStart = this.api.functions.get('imports-start')!;
    importsStart.addEnvironment('IMPORT_STATE_MACHINE_ARN', this.imports.stateMachine.stateMachineArn);
    this.imports.stateMachine.grantStartExecution(importsStart);
    // Issue 15: regular emails' sends; the send route starts them now, the dispatcher at a reserved time.
    const emailSends = (this.emailSends = new EmailSends(this, 'EmailSends', {
      table: this.data.table,
      signingSecret,
      mail: this.mail,
      publicBaseUrl: this.api.publicBaseUrl,
      mailRatePerSecond: this.automation.mailRatePerSecond,
    }));
    emailSends.grantStart(this.api.functions.get('emails-send')!);
    emailSends.grantStart(this.automation.dispatcher);
    this.mail.grantSenderIdentities(this.automation.dispatcher);
    this.webhooks = new Webhooks(this, 'Webhooks', { table: this.data.table, signingSecret });
    // SPEC A8: functions that start, pause, end or send schedule dispatcher entries; the events
    // worker turns facts into sends and mails those due at once, so it schedules and sends too.
    for (const route of this.api.routes) {
      const fn = this.api.functions.get(route.id)!;
      if (route.schedules) this.automation.grantSchedule(fn);
      if (route.sendsMail) fn.addEnvironment('MAIL_RATE_PER_SECOND', String(this.automation.mailRatePerSecond));
    }
    this.automation.grantSchedule(this.webhooks.worker);
    this.mail.grantSend(this.webhooks.worker);
    this.webhooks.worker.addEnvironment('PUBLIC_BASE_URL', this.api.publicBaseUrl);
    this.webhooks.worker.addEnvironment('SES_CONFIGURATION_SET', this.mail.configurationSet.configurationSetName);
    this.webhooks.worker.addEnvironment('MAIL_RATE_PER_SECOND', String(this.automation.mailRatePerSecond));

    if (props.publicRateLimit) {
      // In the root stack, beside the stage it is associated with.
      this.publicRateLimit = new PublicRateLimit(this, 'PublicRateLimit', { restApi: this.api.restApi, routes: this.api.routes, stage: props.stage, ...props.publicRateLimit });
    }

    const observability = new Observability(this, 'Observability', { api: this.api, stage: props.stage, deadLetters: this.automation.deadLetters, workerLogs: this.webhooks.worker.logGroup });
    // Issue 17: the business metrics and the alarms on one page.
    this.dashboard = new OperationsDashboard(this, 'Dashboard', { stage: props.stage, accessLogs: this.api.accessLogs, alarms: observability.alarms });

    // SPEC M2: SES events reach the signature-checked endpoint over HTTPS.
    const sesEndpoint = this.api.functions.get('ses-notifications')!;
    sesEndpoint.addEnvironment('SES_EVENTS_TOPIC_ARN', this.mail.events.topicArn);
    this.mail.events.addSubscription(new UrlSubscription(`${this.api.restApi.url}v1/ses/notifications`, { protocol: SubscriptionProtocol.HTTPS }));

    new CfnOutput(this, 'ApiUrl', { value: this.api.restApi.url });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'UsagePlanId', { value: this.api.usagePlan.usagePlanId });
    // Issue 17: what `npm run admin -- rotate-link-secret --aws` rotates, and where the figures are.
    new CfnOutput(this, 'LinkSigningSecretArn', { value: signingSecret.secretArn });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName });
    new CfnOutput(this, 'PublicBaseUrl', { value: this.api.publicBaseUrl, description: 'Base of links in emails' });
    if (this.api.restApi.domainName) {
      new CfnOutput(this, 'CustomDomainTarget', {
        value: this.api.restApi.domainName.domainNameAliasDomainName,
        description: 'Point a CNAME (or Route 53 alias) of the custom domain here',
      });
    }
  }
}
