import { apiHandler } from '#shared/http/api-handler';
import { okText } from '#shared/http/v2-schemas';

/** GET /v2/auth-check: the key was accepted (the authorizer, or the local server, has checked it). */
export const handler = apiHandler({ response: okText }, async () => undefined);
