import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { SubscriptionProtocol } from 'aws-cdk-lib/aws-sns';
import { UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { Data } from './constructs/data';
import { Api, type CustomDomain } from './constructs/api';
import { Automation } from './constructs/automation';
import { Imports } from './constructs/imports';
import { Mail } from './constructs/mail';
import { Observability } from './constructs/observability';
import { Webhooks } from './constructs/webhooks';
import { routes } from '../shared/routes';

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
}

/** The one stack (SPEC Shape): API, table, scheduler, import state machine, mail, alarms. */
export class NewsletterStack extends Stack {
  readonly data: Data;
  readonly api: Api;
  readonly automation: Automation;
  readonly imports: Imports;
  readonly mail: Mail;
  readonly webhooks: Webhooks;
  /** The HMAC key of links in emails (see HouseFunctionProps.signingSecret for why Secrets Manager). */
  readonly linkSigningSecret: Secret;

  constructor(scope: Construct, id: string, props: NewsletterStackProps) {
    super(scope, id, props);
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
    this.imports = new Imports(this, 'Imports');
    this.webhooks = new Webhooks(this, 'Webhooks', { table: this.data.table, signingSecret });
    // SPEC A8: functions that start, pause, end or send schedule dispatcher entries; the events
    // worker turns facts into sends and mails those due at once, so it schedules and sends too.
    for (const route of routes) {
      const fn = this.api.functions.get(route.id)!;
      if (route.schedules) this.automation.grantSchedule(fn);
      if (route.sendsMail) fn.addEnvironment('MAIL_RATE_PER_SECOND', String(this.automation.mailRatePerSecond));
    }
    this.automation.grantSchedule(this.webhooks.worker);
    this.mail.grantSend(this.webhooks.worker);
    this.webhooks.worker.addEnvironment('PUBLIC_BASE_URL', this.api.publicBaseUrl);
    this.webhooks.worker.addEnvironment('SES_CONFIGURATION_SET', this.mail.configurationSet.configurationSetName);
    this.webhooks.worker.addEnvironment('MAIL_RATE_PER_SECOND', String(this.automation.mailRatePerSecond));

    new Observability(this, 'Observability', { api: this.api, stage: props.stage, deadLetters: this.automation.deadLetters });

    // SPEC M2: SES events reach the signature-checked endpoint over HTTPS.
    const sesEndpoint = this.api.functions.get('ses-notifications')!;
    sesEndpoint.addEnvironment('SES_EVENTS_TOPIC_ARN', this.mail.events.topicArn);
    this.mail.events.addSubscription(new UrlSubscription(`${this.api.restApi.url}v1/ses/notifications`, { protocol: SubscriptionProtocol.HTTPS }));

    new CfnOutput(this, 'ApiUrl', { value: this.api.restApi.url });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'UsagePlanId', { value: this.api.usagePlan.usagePlanId });
    new CfnOutput(this, 'PublicBaseUrl', { value: this.api.publicBaseUrl, description: 'Base of links in emails' });
    if (this.api.restApi.domainName) {
      new CfnOutput(this, 'CustomDomainTarget', {
        value: this.api.restApi.domainName.domainNameAliasDomainName,
        description: 'Point a CNAME (or Route 53 alias) of the custom domain here',
      });
    }
  }
}
