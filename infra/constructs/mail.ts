import { ConfigurationSet, ConfigurationSetTlsPolicy, EmailIdentity, EmailSendingEvent, EventDestination, Identity } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
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
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT, EmailSendingEvent.OPEN, EmailSendingEvent.CLICK],
    });
  }
}
