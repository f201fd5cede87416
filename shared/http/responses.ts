// Response builders: JSON and RFC 9457 problem+json, always with the same security headers.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Problem } from '../../schemas/problem.ts';
import type { AppError } from '../errors.ts';

export const SECURITY_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', ...SECURITY_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

export function text(
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': contentType, ...SECURITY_HEADERS, ...headers },
    body,
  };
}

export function noContent(): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 204, headers: { ...SECURITY_HEADERS } };
}

export function problemBody(error: AppError, instance?: string): Problem {
  return {
    type: `https://cofund.example/problems/${error.code}`,
    title: error.title,
    status: error.status,
    code: error.code,
    detail: error.message,
    ...(instance ? { instance } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

export function problem(error: AppError, instance?: string): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: error.status,
    headers: { 'content-type': 'application/problem+json', ...SECURITY_HEADERS },
    body: JSON.stringify(problemBody(error, instance)),
  };
}
