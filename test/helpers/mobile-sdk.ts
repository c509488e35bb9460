/**
 * How the OSS mobile SDKs' credential providers read a /v1/sts answer (alibaba-wire-formats 1.5),
 * re-stated so tests hold our JSON to their exact rules.
 */

/** Android OSSAuthCredentialsProvider: body parsed only for HTTP 200; org.json getInt/getString. */
export function androidProvider(httpStatus: number, body: string): { ok: true; expiration: number } | { ok: false; error: string } {
  if (httpStatus >= 400) return { ok: false, error: 'IOException: body never read' }
  const json = JSON.parse(body) as Record<string, unknown>
  const statusCode = Number.parseInt(String(json.StatusCode), 10) // org.json coerces "200"
  if (statusCode === 200) {
    for (const k of ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration']) {
      if (typeof json[k] !== 'string') return { ok: false, error: `JSONException: ${k}` }
    }
    // SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss") in UTC; anything after the seconds is ignored.
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(json.Expiration as string)
    if (!m) return { ok: false, error: 'ParseException' }
    return { ok: true, expiration: Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) }
  }
  if (typeof json.ErrorCode !== 'string' || typeof json.ErrorMessage !== 'string') return { ok: false, error: 'JSONException: ErrorCode' }
  return { ok: false, error: `ClientException: ErrorCode: ${json.ErrorCode} | ErrorMessage: ${json.ErrorMessage}` }
}

/** iOS OSSAuthCredentialProvider: HTTP status ignored; StatusCode intValue; yyyy-MM-dd'T'HH:mm:ssZ. */
export function iosProvider(body: string): { ok: true; expiration: number } | { ok: false; error: string } {
  const json = JSON.parse(body) as Record<string, unknown>
  if (Number.parseInt(String(json.StatusCode), 10) !== 200) return { ok: false, error: "Can't get a federation token" }
  const expiration = json.Expiration
  // NSDateFormatter with yyyy-MM-dd'T'HH:mm:ssZ: a fractional second makes the whole parse fail.
  if (typeof expiration !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{4})$/.test(expiration)) {
    return { ok: false, error: 'expiration 0: refetch on every request' }
  }
  return { ok: true, expiration: Date.parse(expiration) }
}
