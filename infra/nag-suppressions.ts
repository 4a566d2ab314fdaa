import { NagSuppressions } from 'cdk-nag';
import type { NewsletterStack } from './stack';

/** Every cdk-nag finding we accept, each with its reason. */
export function applySuppressions(stack: NewsletterStack): void {
  NagSuppressions.addStackSuppressions(stack, [
    {
      id: 'AwsSolutions-IAM4',
      reason: 'Lambda functions use AWSLambdaBasicExecutionRole (logs only) and API Gateway its CloudWatch push role; both are AWS-maintained and minimal.',
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'Wildcards come from CDK grants: table index ARNs (<table>/index/*) for GSI queries and X-Ray segment writes, which have no resource ARN.',
    },
    {
      id: 'AwsSolutions-APIG2',
      reason: 'Every handler validates its request with zod and answers the original API’s error envelope; API Gateway validation would answer a different shape.',
    },
    {
      id: 'AwsSolutions-APIG3',
      reason: 'WAF is an operator choice per deployment (cost); the per-workspace usage plan throttles at 10 requests/s. See docs/deploy.md.',
    },
    {
      id: 'AwsSolutions-APIG4',
      reason: 'Only the public routes (email links, /docs) have no authorizer: they are opened by subscribers and carry signed tokens or nothing secret.',
    },
    {
      id: 'AwsSolutions-COG4',
      reason: 'Clients authenticate with the original API’s AccessToken header, checked by a Lambda REQUEST authorizer, not Cognito.',
    },
    {
      id: 'AwsSolutions-SMG4',
      reason: 'The link-signing secret is an HMAC key; rotating it invalidates every link already mailed, so it is rotated by hand (docs/deploy.md).',
    },
    {
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of Scheduler targets.',
    },
  ]);
}
