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
  INTERNAL_ERROR: { status: 500, message: '알 수 없는 오류가 발생했습니다.' },

  LIST_NOT_FOUND: { status: 404, message: '주소록을 찾을 수 없습니다.' },
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
  API_KEY_NOT_FOUND: { status: 404, message: 'API 키를 찾을 수 없습니다.' },
  API_KEY_LIMIT_EXCEEDED: { status: 400, message: 'API 키는 최대 10개까지 만들 수 있습니다.' },
  API_KEY_ILLEGAL_STATE: { status: 409, message: 'API 키가 이미 그 상태입니다.' },
  WEBHOOK_NOT_FOUND: { status: 404, message: '웹훅을 찾을 수 없습니다.' },
  WEBHOOK_URL_REFUSED: { status: 400, message: '웹훅 URL로 보낼 수 없습니다.' },
  AUTOMATION_NOT_FOUND: { status: 404, message: '자동 이메일을 찾을 수 없습니다.' },
  AUTOMATION_ILLEGAL_STATE: { status: 409, message: '자동 이메일의 현재 상태에서는 할 수 없는 작업입니다.' },
  AUTOMATION_INVALID: { status: 400, message: '자동 이메일 설정이 올바르지 않습니다.' },
  AUTOMATION_API_RATE: { status: 429, message: '자동 이메일 API 요청은 1초당 3회로 제한됩니다.' },
  CONFIRMATION_INVALID: { status: 400, message: '구독 확인 링크가 올바르지 않거나 만료되었습니다.' },
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
