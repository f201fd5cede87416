// The one error hierarchy: every failure a caller can see is an AppError with a status and stable code.

export interface FieldError {
  field: string;
  message: string;
  /** The refused value as text, shortened (see shownValue). */
  value?: string;
}

/** A refused value as an error may show it: primitives as text, at most 200 characters; objects not at all. */
export function shownValue(value: unknown): string | undefined {
  if (value === undefined || value === null || typeof value === 'object' || typeof value === 'function')
    return undefined;
  const text = String(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Why a request was denied, so the HTTP layer can audit it without the service knowing about HTTP. */
export interface DenialAudit {
  action: string;
  resource: string;
  reason: string;
  /** Funders whose audit log should record the attempt besides the caller's own. */
  alsoNotify?: string[];
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly errors: FieldError[] | undefined;
  readonly denial: DenialAudit | undefined;

  constructor(
    status: number,
    code: string,
    title: string,
    detail?: string,
    options: { errors?: FieldError[]; denial?: DenialAudit } = {},
  ) {
    super(detail ?? title);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.title = title;
    this.errors = options.errors;
    this.denial = options.denial;
  }
}

export class ValidationError extends AppError {
  constructor(errors: FieldError[], detail = 'The request is not valid; see errors for each field.') {
    super(400, 'validation_failed', 'Invalid request', detail, { errors });
  }
}

export class MalformedJsonError extends AppError {
  constructor(detail: string) {
    super(400, 'malformed_json', 'Malformed JSON body', detail, {
      errors: [{ field: 'body', message: detail }],
    });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', 'Payload too large', `The body must be at most ${limitBytes} bytes.`, {
      errors: [{ field: 'body', message: `must be at most ${limitBytes} bytes` }],
    });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(sent?: string) {
    super(
      415,
      'unsupported_media_type',
      'Unsupported media type',
      'Send the body as application/json (UTF-8).',
      {
        errors: [
          {
            field: 'content-type',
            message: 'must be application/json, in UTF-8 if a charset is given',
            ...(sent ? { value: sent.slice(0, 200) } : {}),
          },
        ],
      },
    );
  }
}

export class InvalidCursorError extends AppError {
  constructor() {
    super(400, 'invalid_cursor', 'Invalid cursor', 'The cursor is not one this API issued for this query.', {
      errors: [{ field: 'cursor', message: 'is not valid for this query' }],
    });
  }
}

/** Used both for missing things and for things the caller may not know exist. */
export class NotFoundError extends AppError {
  constructor(what: string, denial?: DenialAudit) {
    super(404, 'not_found', 'Not found', `${what} was not found.`, denial ? { denial } : {});
  }
}

export class ForbiddenError extends AppError {
  constructor(detail: string, denial: DenialAudit) {
    super(403, 'forbidden', 'Forbidden', detail, { denial });
  }
}

export class ConflictError extends AppError {
  constructor(code: string, detail: string, errors?: FieldError[]) {
    super(409, code, 'Conflict', detail, errors ? { errors } : {});
  }
}

export class PreconditionFailedError extends AppError {
  constructor(detail: string) {
    super(412, 'version_mismatch', 'Precondition failed', detail, {
      errors: [{ field: 'if-match', message: detail }],
    });
  }
}

export class TooManyRequestsError extends AppError {
  constructor(detail: string) {
    super(429, 'too_many_requests', 'Too many requests', detail);
  }
}

export class UnprocessableError extends AppError {
  constructor(code: string, detail: string, errors: FieldError[]) {
    super(422, code, 'Unprocessable request', detail, { errors });
  }
}
