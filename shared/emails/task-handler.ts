/**
 * The email-send state machine's task Lambdas (issue 15): dependencies, logging, and errors
 * named for its Retry: `RecipientsHeld` keeps its name (retried after the lease), anything else
 * (a DynamoDB hiccup, a crash) becomes `TransientError`.
 */
import type { Deps } from '#shared/runtime/deps';
import { getDeps } from '#shared/runtime/current-deps';
import { logger } from '#shared/logger';
import { TransientError } from '#shared/imports/task-handler';

export function emailSendTask<I, O>(name: string, fn: (deps: Deps, input: I) => Promise<O>): (input: I) => Promise<O> {
  return async (input: I) => {
    const deps = await getDeps();
    try {
      return await fn(deps, input);
    } catch (error) {
      const e = error as Error;
      logger.warn('email send task failed', { task: name, errorName: e.name, errorMessage: e.message });
      if (e.name === 'RecipientsHeld') throw error;
      throw new TransientError(e.message);
    }
  };
}
