/** `npx cdk synth` / `npx cdk deploy`: the stack with parameters from CDK context (cdk.json or -c). */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NewsletterStack } from './stack';
import { applySuppressions } from './nag-suppressions';

const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
const stack = new NewsletterStack(app, `Newsletter-${stage}`, {
  stage,
  senderDomain: String(app.node.tryGetContext('senderDomain') ?? 'example.com'),
  publicBaseUrl: app.node.tryGetContext('publicBaseUrl') as string | undefined,
  // Environment-agnostic unless the operator's CLI sets an account: synth needs no credentials.
  env: process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } : undefined,
});
applySuppressions(stack);
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
