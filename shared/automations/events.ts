/** The events worker's automation step: an outbox event's facts → pending sends → those due now are sent. */
import type { Deps } from '#shared/runtime/deps';
import type { OutboxEvent } from '#shared/webhooks/events';
import { evaluateFacts } from './triggers';
import { sendPending } from './dispatch';

export async function processFacts(deps: Deps, event: OutboxEvent): Promise<void> {
  if (!event.facts?.length) return;
  const due = await evaluateFacts(deps, {
    eventId: event.eventId,
    workspaceId: event.workspaceId,
    listId: event.listId,
    occurredAt: event.occurredAt,
    facts: event.facts,
  });
  if (due.length) await sendPending(deps, due);
}
