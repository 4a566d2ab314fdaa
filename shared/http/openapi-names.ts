/**
 * The names reference/stibee-api-v2_openapi.yml gives the v2 operations it defines (issue 17):
 * its operationId and the component names of its request and success schemas, so a caller
 * generating a client from our document gets the names the published one gives. Our own
 * operations keep the route table's id. test/v2-conformance.test.ts checks this table against
 * the yml (the yml is outside the repository, so the generator cannot read it).
 */
export interface PublishedNames {
  readonly operationId: string;
  /** components/schemas name of the JSON request body. */
  readonly request?: string;
  /** components/schemas name of the JSON success answer. */
  readonly response?: string;
  /** Success statuses besides the handler's own (the yml's addSubscriber: 201 when it updated). */
  readonly alsoSucceedsWith?: readonly number[];
}

export const publishedNames: Readonly<Record<string, PublishedNames>> = {
  'emails-list': { operationId: 'getEmails', response: 'GetEmailsResponse' },
  'emails-create': { operationId: 'createEmail', request: 'CreateEmailRequest', response: 'CreateEmailResponse' },
  'emails-get': { operationId: 'getEmail', response: 'GetEmailResponse' },
  'emails-update': { operationId: 'updateEmail', request: 'UpdateEmailRequest' },
  'emails-delete': { operationId: 'deleteEmail' },
  'emails-logs': { operationId: 'getEmailLogs', response: 'EmailLogsResponse' },
  'emails-copy': { operationId: 'copyEmail', response: 'CreatedCopiedEmailResponse' },
  'emails-tags-assign': { operationId: 'assignEmailTags' },
  'emails-tags-release': { operationId: 'releaseEmailTags' },
  'emails-content-get': { operationId: 'getEmailContent' },
  'emails-content-set': { operationId: 'updateEmailContent' },
  'emails-send': { operationId: 'sendEmail' },
  'emails-reserve': { operationId: 'reserveEmail' },
  'emails-cancel-reserve': { operationId: 'cancelReserveEmail' },
  'lists-create': { operationId: 'createList', request: 'CreateListRequest', response: 'CreateListResponse' },
  'v2-lists-list': { operationId: 'getLists', response: 'GetListsResponse' },
  'lists-copy': { operationId: 'copyList', response: 'CopyListResponse' },
  'lists-get': { operationId: 'getList', response: 'GetListResponse' },
  'lists-update': { operationId: 'updateList', request: 'UpdateListRequest' },
  'lists-delete': { operationId: 'deleteList' },
  'senders-add': { operationId: 'addListSender', request: 'AddSenderRequest', response: 'AddSenderResponse' },
  'senders-list': { operationId: 'getListSenders', response: 'GetListSenderResponse' },
  'senders-verify': { operationId: 'verifyListSender' },
  'senders-delete': { operationId: 'deleteListSender' },
  'v2-subscribers-add': { operationId: 'addSubscriber', request: 'AddSubscriberRequest', alsoSucceedsWith: [201] },
  'v2-subscribers-list': { operationId: 'getSubscribers', response: 'GetSubscribersResponse' },
  'v2-subscribers-delete': { operationId: 'deleteSubscribers', request: 'DeleteSubscribersRequest' },
  'v2-subscribers-double-optin': { operationId: 'sendDoubleOptin', request: 'SendDoubleOptinRequest' },
  'v2-subscribers-batch': { operationId: 'batchAddSubscribers', request: 'BatchSubscriberRequest', response: 'BatchSubscriberResponse' },
  'v2-subscribers-count': { operationId: 'getSubscriberCount', response: 'GetSubscriberCountResponse' },
  'v2-subscribers-update': { operationId: 'updateSubscriber', request: 'UpdateSubscriberRequest' },
  'v2-subscribers-unsubscribe': { operationId: 'unsubscribeSubscriber' },
  'v2-groups-assign': { operationId: 'assignGroup', request: 'AssignGroupRequest' },
  'v2-groups-release': { operationId: 'releaseGroup', request: 'ReleaseGroupRequest' },
  'groups-create': { operationId: 'createGroup', request: 'CreateGroupRequest', response: 'CreateGroupResponse' },
  'v2-groups-list': { operationId: 'getGroups', response: 'GetGroupResponse' },
  'groups-update': { operationId: 'updateGroup', request: 'UpdateGroupRequest' },
  'groups-delete': { operationId: 'deleteGroup' },
};

/** The yml's name of the v2 error object. */
export const v2ErrorSchemaName = 'ErrorResponse';
