/** What verifying SNS deliveries needs from outside: the signing certificate, and confirming a subscription. */
export interface SnsPort {
  fetchCertificate(url: string): Promise<string>;
  confirmSubscription(subscribeUrl: string): Promise<void>;
}
