import type { Deps } from '#shared/runtime/deps';
import { loadListContext, type ListContext } from '#shared/lists/model';
import { assertAcceptsAdds, assertAcceptsSubscriberChanges } from '#shared/lists/linked';

/** The list of a v2 subscriber request, with what its kind refuses (SPEC I5) checked first. */
export async function v2ListFor(
  deps: Pick<Deps, 'db' | 'tableName'>,
  workspaceId: string,
  listId: number,
  intent: 'read' | 'add' | 'change',
): Promise<ListContext> {
  const ctx = await loadListContext(deps, workspaceId, listId);
  if (intent === 'add') assertAcceptsAdds(ctx.list);
  if (intent === 'change') assertAcceptsSubscriberChanges(ctx.list);
  return ctx;
}
