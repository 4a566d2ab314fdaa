/**
 * How each error of shared/http/errors.ts reads in the public v2 API's shape
 * (reference/stibee-api-v2_openapi.yml, "오류 응답"): `stberror.Errors.<Area>.<Name>`, HTTP 400
 * for every refusal, a Korean message. Codes the yml names are used as it spells them; the
 * project's own refusals get names in the same style. docs/api.md lists them all.
 */
import type { ErrorCode } from '../errors';

export interface V2Error {
  /** `stberror.Errors.<Area>.<Name>` without the `stberror.Errors.` prefix. */
  readonly code: string;
  /** Only where the yml's text is binding (or better than the v1 one); else the catalog's. */
  readonly message?: string;
}

/** Partial on purpose: a code added to the catalog without a line here answers Data.InvalidRequest (400) or Service.Unavailable (5xx). */
export const v2Errors: Partial<Record<ErrorCode, V2Error>> = {
  INVALID_JSON: { code: 'Data.InvalidRequest' },
  INVALID_REQUEST: { code: 'Data.InvalidRequest' },
  UNAUTHORIZED: { code: 'Authorization.NoToken', message: '존재하지 않는 토큰 입니다.' },
  NOT_FOUND: { code: 'Data.NotFound' },
  METHOD_NOT_ALLOWED: { code: 'Data.MethodNotAllowed' },
  UNSUPPORTED_MEDIA_TYPE: { code: 'Data.UnsupportedMediaType' },
  PAYLOAD_TOO_LARGE: { code: 'Data.TooLongData' },
  TOO_MANY_REQUESTS: { code: 'Data.TooManyRequests' },
  PUBLIC_RATE_LIMITED: { code: 'Data.TooManyRequests' },
  SUBSCRIBER_TOO_LARGE: { code: 'Data.TooLongData' },
  AUTOMATION_VALUES_TOO_LARGE: { code: 'Data.TooLongData' },
  INTERNAL_ERROR: { code: 'Service.InternalError' },

  // W1: a list of another workspace answers exactly like a missing one; the yml answers both
  // "not the owner" cases with PermissionDenied.
  LIST_NOT_FOUND: { code: 'Authorization.PermissionDenied', message: '허용되지 않은 요청입니다.' },
  GROUP_NOT_FOUND: { code: 'List.NoSuchGroup', message: '그룹이 존재하지 않습니다.' },
  FIELD_NOT_FOUND: { code: 'List.NoSuchSubscriberVar' },
  FIELD_TAG_EXISTS: { code: 'List.AlreadyExistSubscriberVar' },
  FIELD_RESERVED: { code: 'List.ReservedSubscriberVar' },
  FIELD_TYPE_CHANGE_NOT_ALLOWED: { code: 'List.InvalidSubscriberVarType' },
  LIST_ALREADY_SUBSCRIBED: { code: 'List.AlreadyExistEmail' },
  LIST_CONFIRM_LIMIT_EXCEEDED: { code: 'List.LimitExceeded' },
  API_KEY_NOT_FOUND: { code: 'Authorization.NoSuchApiKey' },
  API_KEY_LIMIT_EXCEEDED: { code: 'Authorization.ApiKeyLimitExceeded' },
  API_KEY_ILLEGAL_STATE: { code: 'Authorization.WrongApiKeyStatus' },
  WEBHOOK_NOT_FOUND: { code: 'Webhook.NoSuchWebhook' },
  WEBHOOK_URL_REFUSED: { code: 'Webhook.NotPermittedUrl' },
  AUTOMATION_NOT_FOUND: { code: 'Email.NoSuchEmail' },
  AUTOMATION_ILLEGAL_STATE: { code: 'Email.WrongStatus' },
  AUTOMATION_INVALID: { code: 'Email.IncompleteEmail' },
  AUTOMATION_API_RATE: { code: 'Data.TooManyRequests' },
  CONFIRMATION_INVALID: { code: 'List.InvalidConfirmation' },
  INTEGRATION_UNKNOWN_PROVIDER: { code: 'Integration.NoSuchProvider' },
  INTEGRATION_NOT_CONFIGURED: { code: 'Integration.NotConfigured' },
  INTEGRATION_NOT_CONNECTED: { code: 'Integration.NotConnected' },
  INTEGRATION_STATE_INVALID: { code: 'Integration.InvalidState' },
  INTEGRATION_DENIED: { code: 'Integration.Denied' },
  INTEGRATION_AUTH_FAILED: { code: 'Integration.AuthFailed' },
  INTEGRATION_UNAVAILABLE: { code: 'Integration.Unavailable' },
  LIST_NOT_LINKED: { code: 'List.NotLinkedList' },
  LIST_LINKED_ADD_REFUSED: { code: 'List.LinkedListAddRefused' },
  LIST_LINKED_CHANGE_REFUSED: { code: 'List.LinkedListChangeRefused' },
  IMPORT_NOT_FOUND: { code: 'Integration.NoSuchImport' },

  // The public v2 API's own refusals (reference/stibee-api-v2_openapi.yml).
  SUBSCRIBER_ALREADY_EXISTS: { code: 'List.AlreadyExistEmail' },
  SUBSCRIBER_INVALID_EMAIL: { code: 'List.InvalidEmail' },
  SUBSCRIBER_UNKNOWN_FIELD: { code: 'List.InvalidSubscriberVar' },
  SUBSCRIBER_INVALID_DATA: { code: 'List.InvalidData' },
  SUBSCRIBER_NOT_FOUND: { code: 'List.NotExistEmail', message: '존재하지 않는 이메일 주소 입니다.' },
  SUBSCRIBERS_PAGE_LIMIT: { code: 'Data.LimitExceeded' },
  SUBSCRIBERS_DELETE_LIMIT: { code: 'List.LimitExceeded' },
  SUBSCRIBERS_BATCH_LIMIT: { code: 'List.TooManySubscribers' },
  GROUP_NAME_EXISTS: { code: 'List.AlreadyExistGroup', message: '그룹이 이미 존재합니다.' },
  GROUP_LIMIT_EXCEEDED: { code: 'List.TooManyGroups' },
  SENDER_DOMAIN_NOT_PERMITTED: { code: 'List.NotPermittedSenderDomain' },
  SENDER_NOT_FOUND: { code: 'List.NotExistEmail' },
  SENDER_NOT_VERIFIED: { code: 'Authorization.PermissionDenied' },
  SENDER_IN_USE: { code: 'Data.InvalidRequest' },

  // Regular emails (issue 15): the yml's codes for /emails. Another workspace's email answers
  // exactly like a missing one (W1), as the yml's "not the owner" PermissionDenied.
  EMAIL_NOT_FOUND: { code: 'Authorization.PermissionDenied', message: '허용되지 않은 요청입니다.' },
  EMAIL_NOT_OWNED: { code: 'Authorization.PermissionDenied' },
  EMAIL_NOT_NORMAL: { code: 'Email.NotEmailTypeNomal' },
  EMAIL_NOT_DRAFT: { code: 'Data.InvalidRequest' },
  EMAIL_WRONG_STATUS: { code: 'Email.WrongStatus' },
  EMAIL_INCOMPLETE: { code: 'Email.IncompleteEmail' },
  EMAIL_EMPTY_SUBSCRIBER: { code: 'Email.EmptySubscriber' },
  EMAIL_NO_HTML: { code: 'Editor.NoHTMLExist' },
  EMAILS_PAGE_LIMIT: { code: 'Data.LimitExceeded' },
  EMAIL_LOGS_PAGE_LIMIT: { code: 'Data.LimitExceeded' },
  EMAIL_TAGS_INVALID: { code: 'Data.InvalidRequest' },
  EMAIL_RESERVE_TIME_INVALID: { code: 'Data.InvalidRequest' },
};
