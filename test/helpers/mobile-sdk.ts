/**
 * How the OSS mobile SDKs' credential providers read a /v1/sts answer, re-stated from their source
 * so tests hold our JSON to their exact rules:
 * - Android `OSSAuthCredentialsProvider.getFederationToken()` (aliyun-oss-android-sdk,
 *   oss-android-sdk/src/main/java/com/alibaba/sdk/android/oss/common/auth/): HttpURLConnection
 *   GET, `getInputStream()` (throws FileNotFoundException naming the URL for HTTP >= 400), org.json
 *   `getInt("StatusCode")`, then `getString` of the four fields or of ErrorCode/ErrorMessage;
 *   every exception is wrapped as `new ClientException(e)`.
 * - iOS `OSSAuthCredentialProvider` (aliyun-oss-ios-sdk, AliyunOSSSDK/OSSModel.m): NSURLSession
 *   GET, HTTP status ignored, `[object[@"StatusCode"] intValue] == 200`, the four fields, and the
 *   expiration parsed with `yyyy-MM-dd'T'HH:mm:ssZ`; not 200 gives "Can't get a federation token".
 */

export interface AndroidToken {
  readonly ok: true
  readonly accessKeyId: string
  readonly accessKeySecret: string
  readonly securityToken: string
  readonly expiration: number
}

/** org.json `getInt`: a number, or a string holding one ("200"). */
function orgJsonInt(value: unknown): number | undefined {
  if (typeof value === 'number') return Math.trunc(value)
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Math.trunc(Number(value))
  return undefined
}

/** Android: body parsed only for HTTP < 400; the exception message for an HTTP error names the URL. */
export function androidProvider(httpStatus: number, body: string, url = '<authServerUrl>'): AndroidToken | { ok: false; error: string } {
  if (httpStatus >= 400) return { ok: false, error: `java.io.FileNotFoundException: ${url}` }
  let json: Record<string, unknown>
  try {
    json = JSON.parse(body) as Record<string, unknown>
  } catch {
    return { ok: false, error: 'org.json.JSONException: not a JSON object' }
  }
  const statusCode = orgJsonInt(json.StatusCode)
  if (statusCode === undefined) return { ok: false, error: 'org.json.JSONException: StatusCode' }
  if (statusCode === 200) {
    for (const k of ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration']) {
      if (json[k] === undefined || json[k] === null) return { ok: false, error: `org.json.JSONException: ${k}` }
    }
    // OSSFederationToken: SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss") in UTC; the rest is ignored.
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(String(json.Expiration))
    if (!m) return { ok: false, error: 'ParseException' }
    return {
      ok: true,
      accessKeyId: String(json.AccessKeyId),
      accessKeySecret: String(json.AccessKeySecret),
      securityToken: String(json.SecurityToken),
      expiration: Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!),
    }
  }
  if (json.ErrorCode === undefined || json.ErrorMessage === undefined) return { ok: false, error: 'org.json.JSONException: ErrorCode' }
  return { ok: false, error: `ClientException: ErrorCode: ${String(json.ErrorCode)}| ErrorMessage: ${String(json.ErrorMessage)}` }
}

/** iOS: HTTP status ignored; StatusCode intValue; yyyy-MM-dd'T'HH:mm:ssZ. */
export function iosProvider(body: string): { ok: true; accessKeyId: string; expiration: number } | { ok: false; error: string } {
  let json: Record<string, unknown>
  try {
    json = JSON.parse(body) as Record<string, unknown>
  } catch {
    return { ok: false, error: "Can't get a federation token" }
  }
  if (Number.parseInt(String(json.StatusCode), 10) !== 200) return { ok: false, error: "Can't get a federation token" }
  const expiration = json.Expiration
  // NSDateFormatter with yyyy-MM-dd'T'HH:mm:ssZ: a fractional second makes the whole parse fail.
  if (typeof expiration !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{4})$/.test(expiration)) {
    return { ok: false, error: 'expiration 0: refetch on every request' }
  }
  return { ok: true, accessKeyId: String(json.AccessKeyId), expiration: Date.parse(expiration) }
}
