import { ConfigurationSet, ConfigurationSetTlsPolicy, EmailIdentity, EmailSendingEvent, EventDestination, Identity } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * SES (SPEC A8, M2): the sender domain's identity and a configuration set whose bounce,
 * complaint, open and click events go to an SNS topic (the bounce handler subscribes to it).
 */
export class Mail extends Construct {
  readonly configurationSet: ConfigurationSet;
  readonly events: Topic;
  readonly identity: EmailIdentity;

  constructor(scope: Construct, id: string, props: { senderDomain: string; stage: string }) {
    super(scope, id);
    this.identity = new EmailIdentity(this, 'SenderDomain', { identity: Identity.domain(props.senderDomain) });
    this.events = new Topic(this, 'Events', { enforceSSL: true, displayName: 'SES delivery events' });
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: `newsletter-${props.stage}`,
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
    });
    this.configurationSet.addEventDestination('ToSns', {
      destination: EventDestination.snsTopic(this.events),
      // SEND: SES accepted a message; it marks the send with that sendId tag as mailed (issue 12, the sweeper's proof).
      events: [EmailSendingEvent.SEND, EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT, EmailSendingEvent.OPEN, EmailSendingEvent.CLICK],
    });
  }

  /**
   * Send as the sender domain through the configuration set, nothing else. SES authorizes a send
   * against both the identity and the configuration set it names, so both ARNs are listed.
   */
  grantSend(grantee: IGrantable): void {
    const configurationSetArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        // Automated emails send from their list's sender addresses, each an SES email identity of
        // the account (issue 13); SES itself refuses any that is not verified.
        resources: [this.identity.emailIdentityArn, this.senderIdentitiesArn(), configurationSetArn],
      }),
    );
  }

  /** Sender addresses (the v2 API's 발신자 이메일 주소) are SES email identities created at run time. */
  grantSenderIdentities(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:CreateEmailIdentity', 'ses:GetEmailIdentity', 'ses:DeleteEmailIdentity'],
        resources: [this.senderIdentitiesArn()],
      }),
    );
  }

  private senderIdentitiesArn(): string {
    return Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
  }
}
