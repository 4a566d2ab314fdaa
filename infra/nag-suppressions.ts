import { NagSuppressions } from 'cdk-nag';
import type { NewsletterStack } from './stack';

/**
 * Every cdk-nag finding we accept, each with its reason, as narrow as cdk-nag allows: on the
 * resource it concerns, or for the one managed policy or wildcard it names (`appliesTo`), so a
 * new finding of the same rule elsewhere still fails test/infra.test.ts.
 */
export function applySuppressions(stack: NewsletterStack): void {
  // The stack-wide ones hold for the routes' nested stacks too (the last argument).
  NagSuppressions.addStackSuppressions(stack, [
    {
      id: 'AwsSolutions-IAM4',
      reason:
        'AWSLambdaBasicExecutionRole (write own logs) for the functions and AmazonAPIGatewayPushToCloudWatchLogs for API Gateway logging are AWS-maintained and already minimal.',
      appliesTo: [
        'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
        'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
      ],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'The table grant covers its indexes (<table>/index/*) because GSI1 queries need them; nothing else in the account matches.',
      // In a route's nested stack the table's ARN is a parameter passed from the root (referenceto...DataTable...Arn).
      appliesTo: [{ regex: '/^Resource::<(DataTable[0-9A-F]+\\.Arn|referenceto[A-Za-z0-9]*DataTable[0-9A-F]+Arn)>\\/index\\/\\*$/g' }],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and Step Functions log delivery have no resource-level permissions, so AWS requires Resource "*"; test/infra.test.ts checks that no data action uses "*".',
      appliesTo: ['Resource::*'],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'Entries are named per due minute and per automated email, so functions that schedule need every entry of the stack’s own schedule group (schedule/<group>/*), and no other group.',
      appliesTo: [{ regex: '/^Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule\\/newsletter-[A-Za-z0-9-]+\\/\\*$/g' }],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'Sender addresses (issue 13, v2 senders) are SES email identities created at run time, one per verified address, so their names are unknown at deploy time: the sender functions manage identity/* and the sending functions send from identity/*; the application sends only from a sender verified for the list (shared/senders).',
      appliesTo: ['Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*'],
    },
    {
      id: 'AwsSolutions-COG4',
      reason:
        'Clients authenticate with the original API’s AccessToken header (SPEC Shape, W2), checked by a Lambda REQUEST authorizer; Cognito tokens would break compatibility.',
    },
  ], true);
  NagSuppressions.addResourceSuppressions(stack.api.restApi, [
    {
      id: 'AwsSolutions-APIG2',
      reason:
        'Each handler validates its request with zod and answers the original API’s error envelope (SPEC L9); API Gateway request validation would answer a different shape.',
    },
  ]);
  NagSuppressions.addResourceSuppressions(stack.api.restApi.deploymentStage, [
    {
      id: 'AwsSolutions-APIG3',
      reason:
        'WAF is an operator choice per deployment (it costs per web ACL and request): context waf=true attaches the per-IP rate rule of the public routes (infra/constructs/public-rate-limit.ts); each workspace is throttled at 10 requests/s by the usage plan either way. docs/deploy.md.',
    },
  ]);
  for (const route of stack.api.routes.filter((r) => r.auth === 'public')) {
    NagSuppressions.addResourceSuppressions(stack.api.methods.get(route.id)!, [
      {
        id: 'AwsSolutions-APIG4',
        reason:
          route.access === 'none'
            ? `Public by design (${route.spec.join(', ')}): the API documentation, with no data access at all.`
            : route.id.startsWith('integrations-')
              ? `Public by design (${route.spec.join(', ')}): an OAuth page the user's browser follows, without an API key; it acts only on a one-time state bound to the browser that started it (issue 14).`
              : `Public by design (${route.spec.join(', ')}): opened from an email or called by SNS, without an API key; it acts only on what its signed token or signed message names.`,
      },
    ]);
  }
  NagSuppressions.addResourceSuppressions(stack.linkSigningSecret, [
    {
      id: 'AwsSolutions-SMG4',
      reason:
        'An HMAC key of links already mailed: automatic rotation would break every confirmation and unsubscribe link in inboxes, so it is rotated by hand (docs/deploy.md).',
    },
  ]);
  NagSuppressions.addResourceSuppressions(
    stack.emailSends.stateMachine.role,
    [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'lambda:InvokeFunction on <task>:* covers the versions and aliases of the email-send task functions only (CDK grantInvoke); no other function matches.',
        appliesTo: [{ regex: '/^Resource::<EmailSends[A-Za-z]+Function[0-9A-F]+\\.Arn>:\\*$/g' }],
      },
    ],
    true,
  );
  NagSuppressions.addResourceSuppressions(
    stack.imports.stateMachine.role,
    [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'lambda:InvokeFunction on <task>:* covers the versions and aliases of the import task functions only (CDK grantInvoke); no other function matches.',
        appliesTo: [{ regex: '/^Resource::<Import[A-Za-z]+Function[0-9A-F]+\\.Arn>:\\*$/g' }],
      },
    ],
    true,
  );
  NagSuppressions.addResourceSuppressions(stack.integrationClientSecrets, [
    {
      id: 'AwsSolutions-SMG4',
      reason: 'OAuth client secrets are issued by Sixshop and Donus; they can only be rotated on the provider side, by hand (docs/imports.md).',
    },
  ]);
  NagSuppressions.addResourceSuppressions(stack.automation.deadLetters, [
    {
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the Scheduler targets; a dead-letter queue of it would never be read.',
    },
  ]);
}
