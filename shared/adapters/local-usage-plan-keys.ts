import { randomBytes } from 'node:crypto';
import type { UsagePlanKeys } from '#shared/ports/usage-plan-keys';

/** Local: nothing to provision; shared/local/rate-limiter.ts throttles by workspace id. */
export const localUsagePlanKeys: UsagePlanKeys = {
  async provisionWorkspaceKey() {
    return { keyId: 'local', value: randomBytes(16).toString('hex') };
  },
};
