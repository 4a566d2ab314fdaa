/** The events worker's automation step: an outbox event's facts → pending sends, and those due now claimed and sent at once. */
import type { Deps } from '#shared/runtime/deps';
import type { OutboxEvent } from '#shared/webhooks/events';
import { evaluateFacts, firesOf, workspaceAutomations } from './triggers';
import { claimedSendDeliverer } from './dispatch';
import { logger } from '#shared/logger';

export async function processFacts(deps: Deps, event: OutboxEvent): Promise<void> {
  if (!event.facts?.length) return;
  // Each transaction's sends are mailed as soon as it commits; one that fails to mail is the
  // sweeper's when its lease ends, so the batch's facts count as taken either way.
  await evaluateFacts(
    deps,
    { eventId: event.eventId, workspaceId: event.workspaceId, listId: event.listId, occurredAt: event.occurredAt, facts: event.facts },
    { deliver: claimedSendDeliverer(deps) },
  );
}

/**
 * The automated emails a batch's facts concern (issue 12): those whose triggers they meet and,
 * for leaving subscribers, the list's. Where facts the worker gave up on are parked, so each
 * email's dashboard shows them.
 */
export async function factTargets(deps: Pick<Deps, 'db' | 'tableName'>, event: OutboxEvent): Promise<number[]> {
  const automations = await workspaceAutomations(deps, event.workspaceId);
  const ids = new Set([...firesOf(automations, { ...event, facts: event.facts ?? [] }).keys()].map((a) => a.automationId));
  if (event.facts?.some((f) => f.kind === 'gone')) for (const a of automations) if (a.listId === event.listId && a.state !== 'ended') ids.add(a.automationId);
  return [...ids];
}
