/**
 * `npx cdk synth` / `npx cdk deploy`: the stack with parameters from CDK context (cdk.json, or
 * `-c key=value`). docs/deploy.md lists them.
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NewsletterStack } from './stack';
import { applySuppressions } from './nag-suppressions';
import { publicRateLimitFromContext } from './constructs/public-rate-limit';

const app = new App();
/** A context value, with '' (e.g. `-c publicBaseUrl=`) meaning "not set". */
const context = (key: string): string | undefined => {
  const value = app.node.tryGetContext(key) as unknown;
  return value === undefined || value === null || value === '' ? undefined : String(value);
};

const stage = context('stage') ?? 'dev';
if (!/^[A-Za-z0-9-]{1,32}$/.test(stage)) throw new Error(`context stage must be letters, digits and '-', got '${stage}'`);
const domainName = context('domainName');
const certificateArn = context('certificateArn');
if (Boolean(domainName) !== Boolean(certificateArn)) throw new Error('context domainName and certificateArn go together');

const stack = new NewsletterStack(app, `Newsletter-${stage}`, {
  stage,
  senderDomain: context('senderDomain') ?? 'example.com',
  publicBaseUrl: context('publicBaseUrl'),
  customDomain: domainName && certificateArn ? { domainName, certificateArn } : undefined,
  mailRatePerSecond: context('mailRatePerSecond') ? Number(context('mailRatePerSecond')) : undefined,
  integrationsConfig: context('integrations'),
  publicRateLimit: publicRateLimitFromContext(context),
  // No `env`: environment-agnostic, so synth needs no account or credentials and `cdk deploy`
  // targets the account and region of the operator's credentials. Nothing here looks anything up.
});
applySuppressions(stack);
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
