/** A refusal the sandbox STS answers with STS's own error code, HTTP status and message. */
export class StsFailure extends Error {
  readonly status: number
  readonly stsCode: string
  readonly headers: Record<string, string>
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.status = status
    this.stsCode = code
    this.headers = headers
  }
}

export const incompleteSignature = (detail?: string) =>
  new StsFailure(400, 'IncompleteSignature', detail ?? 'The request signature does not conform to Aliyun standards.')
export const accessKeyNotFound = () => new StsFailure(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.')
export const timestampExpired = () => new StsFailure(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.')
export const nonceUsed = () => new StsFailure(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.')
export const actionNotFound = () => new StsFailure(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.')
