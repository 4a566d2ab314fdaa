/** SPEC I1: the two providers a workspace can connect and the configuration each needs. */
export const providers = ['sixshop', 'donus'] as const;
export type Provider = (typeof providers)[number];

export interface ProviderConfig {
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  /** Base of the members API. */
  readonly apiBaseUrl: string;
  readonly clientId: string;
  /** '' until the operator fills in the client-secrets secret (docs/deploy.md). */
  readonly clientSecret: string;
  /** Members per page asked of the provider (the import's unit of work). */
  readonly pageSize: number;
}

export type ProvidersConfig = Readonly<Record<Provider, ProviderConfig>>;
