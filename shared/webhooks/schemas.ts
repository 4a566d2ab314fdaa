import { z } from 'zod';
import { numericId } from '#shared/http/schemas';
import { webhookActions } from './model';

export const webhookParams = z.object({ listId: numericId, webhookId: z.string().regex(/^[a-z0-9]{1,40}$/) });
export const webhookBody = z.object({
  name: z.string().trim().min(1).max(100),
  url: z.string().url().max(2000),
  events: z.array(z.enum(webhookActions)).min(1),
});
export const webhookPatch = webhookBody.partial().strict();
