/**
 * SPEC I2, I5: what a linked list (Sixshop or Donus) refuses. Subscribers come only from the
 * import ("불러오기"): the subscribe API and double opt-in confirmations are refused for both
 * providers (the help centre: a list linked to an external service cannot be fed through the
 * address-book API, and the next import would wipe such subscribers anyway). Donus lists also
 * refuse status changes and deletion of their subscribers through the API; Sixshop lists allow
 * both, like a standard list (see docs/imports.md for the reasoning).
 */
import { ApiError } from '#shared/http/errors';
import type { ListRecord } from './model';

export function assertAcceptsAdds(list: Pick<ListRecord, 'kind'>): void {
  if (list.kind !== 'standard') throw new ApiError('LIST_LINKED_ADD_REFUSED', `kind=${list.kind}`);
}

export function assertAcceptsSubscriberChanges(list: Pick<ListRecord, 'kind'>): void {
  if (list.kind === 'donus') throw new ApiError('LIST_LINKED_CHANGE_REFUSED');
}
