// The caller's areas (GET /v1/areas) and one ali-oss client per bucket, all from ONE
// GET /v1/sts answer for the scope (a scope spans the buckets of one region).
import * as api from './api.js'
import { config } from './config.js'
import { session } from './session.js'

let current = { scope: undefined, areas: [], region: undefined }
const clients = new Map()

/** The scope the page asks for: the page's scope for users; a guest holds the guest scope only. */
function wantedScope() {
  return session.guest ? (config.guestScope ?? config.scope) : config.scope
}

/** Loads the areas; a user who does not hold the page's scope (403) gets their default scope's. */
export async function loadAreas() {
  clients.clear()
  let answer
  try {
    answer = await api.areas(wantedScope())
  } catch (err) {
    if (err.status !== 403 || wantedScope() === undefined) throw err
    answer = await api.areas(undefined)
  }
  current = { scope: answer.scope, region: answer.region, areas: answer.areas }
  return current
}

export const currentScope = () => current.scope

/** The `bucket` to name in /v1/sign/* bodies: only when it is not the server's default. */
export const bucketParam = (area) => (area.bucket && area.bucket !== config.bucket ? { bucket: area.bucket } : {})

export const can = (area, verb) => area.verbs.includes(verb)

function createClient(area, sts) {
  return new window.OSS({
    accessKeyId: sts.AccessKeyId,
    accessKeySecret: sts.AccessKeySecret,
    stsToken: sts.SecurityToken,
    // The /v1/sts answer as-is: its placement is nested, so ali-oss's merge of the answer into its
    // options leaves endpoint, bucket and region alone.
    refreshSTSToken: () => api.sts(current.scope),
    endpoint: area.endpoint,
    bucket: area.bucket,
    region: `oss-${current.region}`,
    cname: Boolean(area.cname),
    secure: area.endpoint.startsWith('https'),
    retryMax: 3,
  })
}

/**
 * An ali-oss client for the area's bucket. `own`: a client of its own (multipart uploads pause
 * with `cancel()`, which stops every upload of a client).
 */
export async function clientFor(area, { own = false } = {}) {
  const id = `${area.bucket} ${area.endpoint}`
  if (!own && clients.has(id)) return clients.get(id)
  const client = createClient(area, await api.sts(current.scope))
  if (!own) clients.set(id, client)
  return client
}

export function forgetClients() {
  clients.clear()
  current = { scope: undefined, areas: [], region: undefined }
}
