// The ossvend API, called with the session's bearer token. Failures throw an Error carrying the
// HTTP status and the problem's stable code.
import { session } from './session.js'

export async function api(path, options = {}) {
  const token = session.token
  const res = await fetch(path, {
    ...options,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
  })
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text()
  if (!res.ok) throw Object.assign(new Error(body?.title ?? 'request failed'), { status: res.status, code: body?.code })
  return body
}

const post = (path, body) => api(path, { method: 'POST', body: JSON.stringify(body ?? {}) })
const withScope = (path, scope) => (scope ? `${path}?scope=${encodeURIComponent(scope)}` : path)

export const login = (username, password) => post('/v1/login', { username, password })
export const guest = () => post('/v1/guest')
export const logout = (refreshToken) => post('/v1/logout', refreshToken ? { refreshToken } : {})
export const sts = (scope) => api(withScope('/v1/sts', scope))
/** The caller's areas in a scope (see AREAS-CONTRACT: id, label, bucket, endpoint, cname, prefix, verbs). */
export const areas = (scope) => api(withScope('/v1/areas', scope))
export const signPost = (body) => post('/v1/sign/post', body)
export const signUrl = (body) => post('/v1/sign/url', body)
