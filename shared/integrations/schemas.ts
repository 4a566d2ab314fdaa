import { z } from 'zod';
import { ApiError } from '#shared/http/errors';
import { isProvider, type Provider } from './providers';

/** `{provider}` path parameter: an unknown provider answers 404 like an unknown path. */
export const providerParams = z.object({ provider: z.string() }).transform(({ provider }) => {
  if (!isProvider(provider)) throw new ApiError('INTEGRATION_UNKNOWN_PROVIDER', `provider=${provider.slice(0, 40)}`);
  return { provider: provider as Provider };
});
