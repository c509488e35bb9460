/** Escapes text for XML element content. */
export function xmlText(value: string | number | boolean): string {
  return String(value).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string)
}

/** `<Name>text</Name>` for each entry, in order; arrays repeat the element. */
export function xmlElements(entries: readonly (readonly [string, string | number | boolean | undefined])[]): string {
  return entries.filter(([, v]) => v !== undefined).map(([name, v]) => `<${name}>${xmlText(v as string)}</${name}>`).join('')
}

export function xmlDocument(root: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}>${body}</${root}>`
}

/** OSS error codes the sandbox answers with, and their HTTP statuses. */
export const OSS_ERRORS = {
  AccessDenied: 403,
  SignatureDoesNotMatch: 403,
  InvalidAccessKeyId: 403,
  InvalidSecurityToken: 403,
  SecurityTokenExpired: 403,
  RequestTimeTooSkewed: 403,
  InvalidArgument: 400,
  InvalidDigest: 400,
  EntityTooLarge: 400,
  InvalidRange: 416,
  NoSuchKey: 404,
  NoSuchBucket: 404,
  NoSuchUpload: 404,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  MalformedXML: 400,
  InvalidPolicyDocument: 400,
  EntityTooSmall: 400,
  CallbackFailed: 203,
  FileAlreadyExists: 409,
  MethodNotAllowed: 405,
  NotImplemented: 501,
  InvalidURI: 400,
  BadDigest: 400,
  XAmzContentSHA256Mismatch: 400,
  PositionNotEqualToLength: 409,
  ObjectNotAppendable: 409,
} as const

export type OssErrorCode = keyof typeof OSS_ERRORS
