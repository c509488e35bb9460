// bench/cold-start: 1,000 users asking GET /v1/sts for the first time at once (50 connections),
// against STS's quota of 100 AssumeRole calls per second. Part of bench/http.mjs (row (d), keys
// thousandUsersCold*); `node bench/cold-start.mjs` runs it alone, with the same servers and config.
import autocannon from 'autocannon'
import { pathToFileURL } from 'node:url'
import { addBenchUser, BENCH_AK as AK, BENCH_JWT_SECRET as JWT_SECRET, BENCH_SK as SK, benchToken, startProcess, writeBenchConfig } from './measure.mjs'

/** Exactly `amount` requests, each with the next token. */
export function runAmount(url, amount, nextToken) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections: 50, amount, timeout: 30, requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${nextToken()}` } }) }] },
      (err, result) => (err ? reject(err) : resolve(result)),
    )
  })
}

const throttledSoFar = async (stsUrl) => (await (await fetch(`${stsUrl}/__sandbox/stats`)).json()).byCode['Throttling.User'] ?? 0

/**
 * Every one of `tokens` once against a cold ossvend; STS's quota bounds how fast this can go.
 * Returns the seconds taken, the requests served (2xx) and the calls STS throttled meanwhile.
 */
export async function coldStart(ossvend, stsUrl, tokens) {
  const throttledBefore = await throttledSoFar(stsUrl)
  let next = 0
  const started = Date.now()
  const result = await runAmount(`${ossvend}/v1/sts?scope=read`, tokens.length, () => tokens[next++])
  const seconds = (Date.now() - started) / 1000
  return { seconds, served: result['2xx'], throttled: (await throttledSoFar(stsUrl)) - throttledBefore }
}

/** The sandbox STS at 100 calls/s and ossvend in cloud mode calling it, as bench/http.mjs starts them. */
export async function startColdStartServers(children) {
  const start = async (script, args, env, pattern) => (await startProcess([script, ...args], env, pattern, children)).match[1]
  const stsUrl = await start('bench/servers/sandbox-sts.mjs', [], { BENCH_AK: AK, BENCH_SK: SK }, /sts (http:\S+)/)
  const configPath = await addBenchUser(writeBenchConfig((base) => ({
    mode: 'cloud',
    server: { ...base.server, userRequestsPerMinute: 1_000_000 },
    auth: { ...base.auth, demoUsers: [] },
    sts: { ...base.sts, durationSec: 3600, cacheMaxEntries: 10000 },
  })))
  const ossvend = await start('dist/main.js', [configPath], {
    PORT: '0',
    OSSVEND_JWT_SECRET: JWT_SECRET,
    OSSVEND_STS_ENDPOINT: stsUrl,
    ALIBABA_CLOUD_ACCESS_KEY_ID: AK,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: SK,
  }, /ossvend listening on (http:\S+)/)
  return { stsUrl, ossvend }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const children = []
  try {
    const { stsUrl, ossvend } = await startColdStartServers(children)
    const r = await coldStart(ossvend, stsUrl, Array.from({ length: 1000 }, (_, i) => benchToken(`user-${i}`)))
    console.log(`1000 users, cold start: ${r.seconds.toFixed(1)} s (target <= 10.2 s), ${r.served} of 1000 served first time, ${r.throttled} calls throttled by STS`)
    console.log(JSON.stringify({ thousandUsersColdStartSeconds: Number(r.seconds.toFixed(1)), thousandUsersColdServed: r.served, thousandUsersColdThrottled: r.throttled }))
  } finally {
    for (const child of children) child.kill('SIGKILL')
  }
}
