import type { OssErrorCode } from '../oss-xml.js'

/** A refusal the sandbox answers with OSS's XML error; `detail` says why (the engine's reason). */
export class OssFailure extends Error {
  readonly ossCode: OssErrorCode
  readonly detail: string | undefined
  constructor(code: OssErrorCode, message: string, detail?: string) {
    super(message)
    this.ossCode = code
    this.detail = detail
  }
}

export const methodNotAllowed = () => new OssFailure('MethodNotAllowed', 'The specified method is not allowed against this resource.')
export const noSuchKey = () => new OssFailure('NoSuchKey', 'The specified key does not exist.')
export const noSuchBucket = () => new OssFailure('NoSuchBucket', 'The specified bucket does not exist.')
