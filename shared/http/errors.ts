/**
 * Every error the API answers with: a stable code, the HTTP status and a Korean message, as
 * in the original service (SPEC L9). docs/api.md lists them.
 */
export const errorCatalog = {
  INVALID_JSON: { status: 400, message: '요청 본문이 올바른 JSON이 아닙니다.' },
  INVALID_REQUEST: { status: 400, message: '요청 형식이 올바르지 않습니다.' },
  UNAUTHORIZED: { status: 401, message: 'API 키가 없거나 유효하지 않습니다.' },
  NOT_FOUND: { status: 404, message: '요청한 경로를 찾을 수 없습니다.' },
  METHOD_NOT_ALLOWED: { status: 405, message: '허용되지 않는 메서드입니다.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type은 application/json이어야 합니다.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: '요청 본문은 256KB를 넘을 수 없습니다.' },
  TOO_MANY_REQUESTS: { status: 429, message: 'API 요청은 1초당 10회로 제한됩니다.' },
  // Public endpoints (links in emails, OAuth pages), per client IP (issue 14).
  PUBLIC_RATE_LIMITED: { status: 429, message: '요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.' },
  INTERNAL_ERROR: { status: 500, message: '알 수 없는 오류가 발생했습니다.' },
  // The local runtime's store guard (issue 12, shared/local/store-guard.ts): nothing was written.
  STORAGE_FULL: { status: 507, message: '저장 공간이 부족하여 변경 사항을 저장할 수 없습니다. 저장 공간을 확보한 뒤 다시 시도해 주세요.' },
  DATABASE_UNAVAILABLE: { status: 503, message: '데이터베이스에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.' },

  LIST_NOT_FOUND: { status: 404, message: '주소록을 찾을 수 없습니다.' },
  // Issue 15: the public subscription form.
  FORM_DISABLED: { status: 403, message: '구독 폼이 비활성화되어 있습니다.' },
  FORM_CONFIRMATION_NOT_SENT: { status: 503, message: '구독 확인 이메일을 보내지 못했습니다. 잠시 후 다시 시도해 주세요.' },
  GROUP_NOT_FOUND: { status: 404, message: '그룹을 찾을 수 없습니다.' },
  FIELD_NOT_FOUND: { status: 404, message: '사용자 정의 필드를 찾을 수 없습니다.' },
  FIELD_TAG_EXISTS: { status: 409, message: '이미 사용 중인 필드 태그입니다.' },
  FIELD_RESERVED: { status: 400, message: '기본 필드는 변경하거나 삭제할 수 없습니다.' },
  FIELD_TYPE_CHANGE_NOT_ALLOWED: { status: 400, message: '숫자, 날짜 유형은 다른 유형으로 변경할 수 없습니다.' },
  // The original answers this one with HttpStatusCode 0 inside an HTTP 200 (seed 002).
  LIST_ALREADY_SUBSCRIBED: { status: 0, message: '이미 구독 중인 이메일 주소입니다.' },
  LIST_CONFIRM_LIMIT_EXCEEDED: {
    status: 400,
    message: '구독 확인 이메일을 보낼 때는 한 번에 10명까지만 추가할 수 있습니다.',
  },
  // Issue 12: a subscriber's stored values are bounded (a row merged over them would be larger).
  SUBSCRIBER_TOO_LARGE: { status: 413, message: '구독자 한 명의 정보는 256KB를 넘을 수 없습니다.' },
  API_KEY_NOT_FOUND: { status: 404, message: 'API 키를 찾을 수 없습니다.' },
  API_KEY_LIMIT_EXCEEDED: { status: 400, message: 'API 키는 최대 10개까지 만들 수 있습니다.' },
  API_KEY_ILLEGAL_STATE: { status: 409, message: 'API 키가 이미 그 상태입니다.' },
  WEBHOOK_NOT_FOUND: { status: 404, message: '웹훅을 찾을 수 없습니다.' },
  WEBHOOK_URL_REFUSED: { status: 400, message: '웹훅 URL로 보낼 수 없습니다.' },
  AUTOMATION_NOT_FOUND: { status: 404, message: '자동 이메일을 찾을 수 없습니다.' },
  AUTOMATION_ILLEGAL_STATE: { status: 409, message: '자동 이메일의 현재 상태에서는 할 수 없는 작업입니다.' },
  AUTOMATION_INVALID: { status: 400, message: '자동 이메일 설정이 올바르지 않습니다.' },
  AUTOMATION_API_RATE: { status: 429, message: '자동 이메일 API 요청은 1초당 3회로 제한됩니다.' },
  // Issue 13: the original's A3a refusal, which callers compare byte for byte (its own text answer, shared/http/conventions/a3a.ts).
  AUTOMATION_SUBSCRIBER_UNKNOWN: { status: 400, message: '구독자 상태를 파악할 수 없습니다.' },
  AUTOMATION_VALUES_TOO_LARGE: { status: 413, message: '자동 이메일 API로 보내는 값은 64KB를 넘을 수 없습니다.' },
  CONFIRMATION_INVALID: { status: 400, message: '구독 확인 링크가 올바르지 않거나 만료되었습니다.' },

  // Integrations and imports (I1-I7)
  INTEGRATION_UNKNOWN_PROVIDER: { status: 404, message: '지원하지 않는 연동 서비스입니다.' },
  INTEGRATION_NOT_CONFIGURED: { status: 503, message: '연동 서비스 설정이 없습니다. 관리자에게 문의해 주세요.' },
  INTEGRATION_NOT_CONNECTED: { status: 400, message: '워크스페이스가 이 서비스와 연동되어 있지 않습니다. 먼저 연동해 주세요.' },
  INTEGRATION_STATE_INVALID: { status: 400, message: '연동 요청이 올바르지 않거나 이미 사용되었거나 만료되었습니다. 다시 연동해 주세요.' },
  INTEGRATION_DENIED: { status: 400, message: '연동이 취소되었습니다.' },
  INTEGRATION_BROWSER_MISMATCH: {
    status: 400,
    message: '연동을 시작한 브라우저에서만 계속할 수 있습니다. 연동을 시작한 브라우저에서 다시 열거나, 처음부터 다시 연동해 주세요.',
  },
  INTEGRATION_AUTH_FAILED: { status: 502, message: '연동 서비스 인증에 실패했습니다. 다시 연동해 주세요.' },
  INTEGRATION_UNAVAILABLE: { status: 503, message: '연동 서비스에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.' },
  LIST_NOT_LINKED: { status: 400, message: '연동 주소록이 아닙니다. 불러오기는 식스샵, 도너스 연동 주소록에서만 할 수 있습니다.' },
  LIST_LINKED_ADD_REFUSED: { status: 403, message: '연동 주소록에는 불러오기로만 구독자를 추가할 수 있습니다.' },
  LIST_LINKED_CHANGE_REFUSED: { status: 403, message: '도너스 연동 주소록 구독자의 상태는 변경하거나 삭제할 수 없습니다.' },
  IMPORT_NOT_FOUND: { status: 404, message: '불러오기 작업을 찾을 수 없습니다.' },

  // The public v2 API's refusals (reference/stibee-api-v2_openapi.yml; issue 13). Their v2
  // codes are in conventions/v2-errors.ts.
  SUBSCRIBER_ALREADY_EXISTS: { status: 400, message: '주소록에 이미 추가된 구독자입니다.' },
  SUBSCRIBER_INVALID_EMAIL: { status: 400, message: '이메일 주소 형식이 잘못되었습니다.' },
  SUBSCRIBER_UNKNOWN_FIELD: { status: 400, message: '주소록에 없는 사용자 정의 필드입니다.' },
  SUBSCRIBER_INVALID_DATA: { status: 400, message: '사용자 정의 필드 값이 잘못되었습니다.' },
  SUBSCRIBER_NOT_FOUND: { status: 400, message: '존재하지 않는 이메일 주소입니다.' },
  SUBSCRIBERS_PAGE_LIMIT: { status: 400, message: '구독자 목록 조회는 한 번에 최대 1000건까지입니다.' },
  SUBSCRIBERS_DELETE_LIMIT: { status: 400, message: '구독자 삭제는 한 번에 최대 100명까지입니다.' },
  SUBSCRIBERS_BATCH_LIMIT: { status: 400, message: '구독자 대량 추가는 한 번에 최대 1,000명까지입니다.' },
  GROUP_NAME_EXISTS: { status: 400, message: '같은 이름의 그룹이 이미 존재합니다.' },
  GROUP_LIMIT_EXCEEDED: { status: 400, message: '그룹은 최대 100개 까지만 만들 수 있습니다.' },
  SENDER_DOMAIN_NOT_PERMITTED: { status: 400, message: '발신자 이메일 주소로 사용할 수 없는 도메인입니다. (gmail.com, naver.com 등 무료 메일)' },
  SENDER_NOT_FOUND: { status: 400, message: '주소록에 추가되어 있지 않은 발신자 이메일 주소입니다.' },
  SENDER_NOT_VERIFIED: { status: 400, message: '주소록에 추가되어 인증된 발신자 이메일 주소로만 보낼 수 있습니다.' },
  SENDER_IN_USE: { status: 400, message: '실행 중이거나 예약된 자동 이메일이 사용하는 발신자 이메일 주소는 삭제할 수 없습니다.' },

  // Regular emails (v2 /emails, issue 15); their v2 codes are the yml's (conventions/v2-errors.ts).
  EMAIL_NOT_FOUND: { status: 404, message: '이메일을 찾을 수 없습니다.' },
  EMAIL_NOT_OWNED: { status: 400, message: '허용되지 않은 요청입니다. (주소록, 그룹, 세그먼트 또는 발신자 이메일 주소를 사용할 수 없습니다.)' },
  EMAIL_NOT_NORMAL: { status: 400, message: '일반메일 타입이 아닙니다.' },
  EMAIL_NOT_DRAFT: { status: 400, message: '작성 중 상태가 아닙니다.' },
  EMAIL_WRONG_STATUS: { status: 400, message: '이메일 상태를 확인 하세요.' },
  EMAIL_INCOMPLETE: { status: 400, message: '이메일이 완성되지 않았습니다.' },
  EMAIL_EMPTY_SUBSCRIBER: { status: 400, message: '구독자가 0명입니다.' },
  EMAIL_NO_HTML: { status: 400, message: 'HTML 파일이 존재하지 않음' },
  EMAILS_PAGE_LIMIT: { status: 400, message: '이메일 목록 조회는 한 번에 최대 100건까지입니다.' },
  EMAIL_LOGS_PAGE_LIMIT: { status: 400, message: '이메일 로그 조회는 한 번에 최대 1000건까지입니다.' },
  EMAIL_TAGS_INVALID: { status: 400, message: '잘못된 tagIds 입니다.' },
  EMAIL_RESERVE_TIME_INVALID: { status: 400, message: '잘못된 reserveTime 형식 또는 과거 시간' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalog;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra detail for the message (which field was wrong), never secrets. */
  readonly detail?: string;

  constructor(code: ErrorCode, detail?: string) {
    const entry = errorCatalog[code];
    super(detail ? `${entry.message} (${detail})` : entry.message);
    this.code = code;
    this.status = entry.status;
    this.detail = detail;
  }
}

/**
 * The local store guard's refusals (shared/local/store-guard.ts): the database is down or the
 * disk full. The guard logs each change of that state once; loops that meet these refusals stop
 * their pass quietly instead of logging one line per partition and tick (issue 12).
 */
export const isStoreOutage = (error: unknown): boolean =>
  error instanceof ApiError && (error.code === 'DATABASE_UNAVAILABLE' || error.code === 'STORAGE_FULL');
