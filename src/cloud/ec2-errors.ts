/**
 * Errors as an AWS JSON-protocol service returns them: an HTTP status and a
 * body `{"__type":"…","message":"…"}`. SigV4 failures keep the codes the
 * verifier names, except an unknown access key, which the JSON protocol
 * reports as UnrecognizedClientException.
 */
import type { VerifyFailureCode } from './sigv4.js';

export interface AwsJsonError {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

const SIGNATURE_ERROR_TYPES: Record<VerifyFailureCode, string> = {
  SignatureDoesNotMatch: 'SignatureDoesNotMatch',
  InvalidClientTokenId: 'UnrecognizedClientException',
  IncompleteSignature: 'IncompleteSignatureException',
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  RequestExpired: 'InvalidSignatureException',
};

/** The error an endpoint returns when a request's signature does not verify: always 403. */
export function signatureError(code: VerifyFailureCode, message: string): AwsJsonError {
  return { status: 403, type: SIGNATURE_ERROR_TYPES[code], message };
}

export function unknownOperation(target: string | undefined): AwsJsonError {
  return { status: 400, type: 'UnknownOperationException', message: target ? `The operation ${target} is not supported by this service.` : 'Missing X-Amz-Target header.' };
}

export function invalidRequest(type: string, message: string): AwsJsonError {
  return { status: 400, type, message };
}

export function errorBody(error: AwsJsonError): string {
  return JSON.stringify({ __type: error.type, message: error.message });
}
