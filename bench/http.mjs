// bench/http: ossvend's /v1/sts against (a) a bare express server, (c) a naive sample-style server
// that calls AssumeRole on every request; every server in its own process, STS limited to 100/s.
import autocannon from 'autocannon'
import { coldStart, startColdStartServers } from './cold-start.mjs'
import { BENCH_AK as AK, BENCH_SK as SK, benchToken as token, startProcess } from './measure.mjs'

const DURATION = Number(process.env.BENCH_HTTP_SECONDS ?? 8)
const children = []

const start = async (script, args, env, pattern) => (await startProcess([script, ...args], env, pattern, children)).match[1]

function run(url, options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections: 50, duration: DURATION, ...options }, (err, result) => (err ? reject(err) : resolve(result)))
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false, outputStream: { write() {} } })
  })
}

const ok = (r) => r['2xx'] / r.duration

export async function run_() {
  // The same sandbox STS and cloud-mode ossvend as the cold start (bench/cold-start.mjs).
  const { stsUrl, ossvend } = await startColdStartServers(children)
  const bare = await start('bench/servers/bare-express.mjs', [], {}, /listening (http:\S+)/)
  const naive = await start('bench/servers/naive-sample.mjs', [], { BENCH_AK: AK, BENCH_SK: SK, BENCH_STS: stsUrl }, /listening (http:\S+)/)

  const one = token('bench-user')
  const many = Array.from({ length: 1000 }, (_, i) => token(`user-${i}`))

  try {
    await run(`${bare}/`, { duration: 2 })
    const a = await run(`${bare}/`)
    await run(`${ossvend}/v1/sts?scope=read`, { duration: 2, headers: { authorization: `Bearer ${one}` } })
    const b = await run(`${ossvend}/v1/sts?scope=read`, { headers: { authorization: `Bearer ${one}` } })
    // Control: bare express sending ossvend's exact response (headers and body), to separate the
    // cost of the response contract from the cost of ossvend's own work.
    const sample = await fetch(`${ossvend}/v1/sts?scope=read`, { headers: { authorization: `Bearer ${one}` } })
    const sampleHeaders = Object.fromEntries([...sample.headers].filter(([k]) => !['content-length', 'date', 'connection', 'keep-alive', 'content-type'].includes(k)))
    const sampleBody = await sample.text()
    const sameResponse = async (env) => {
      const url = await start('bench/servers/bare-express-same-response.mjs', [], { BENCH_HEADERS: JSON.stringify(sampleHeaders), BENCH_BODY: sampleBody, ...env }, /listening (http:\S+)/)
      await run(`${url}/`, { duration: 2 })
      return run(`${url}/`)
    }
    const a2 = await sameResponse({})
    // And the same on a server whose messages are born with express's prototypes, as ossvend's
    // are: what is left is ossvend's own work (auth, limits, cache, metrics, tracing).
    const a3 = await sameResponse({ BENCH_BORN: '1' })
    const c = await run(`${naive}/`)
    // (c) spends the same STS account's quota; its last one-second window must close first, or
    // the cold start would share it (STS counts calls per account, not per caller).
    await new Promise((resolve) => setTimeout(resolve, 1500))
    // Cold start: every one of the 1,000 users once; STS's 100 calls/s bounds how fast this can go.
    const cold = await coldStart(ossvend, stsUrl, many)
    const coldSeconds = cold.seconds
    // Steady state: the same 1,000 users, round robin.
    let i = 0
    const d = await run(`${ossvend}/v1/sts?scope=read`, {
      requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${many[i++ % many.length]}` } }) }],
    })
    const rows = [
      ['(a) bare express hello JSON', `${ok(a).toFixed(0)} req/s`, `p99 ${a.latency.p99} ms`],
      ["(a') bare express, ossvend's response", `${ok(a2).toFixed(0)} req/s`, `p99 ${a2.latency.p99} ms: the same ${Object.keys(sampleHeaders).length} headers and body, no work`],
      ["(a'') the same, messages born with express's prototypes", `${ok(a3).toFixed(0)} req/s`, `p99 ${a3.latency.p99} ms: the server set-up ossvend uses (see src/http/app-messages.ts)`],
      ['(b) ossvend /v1/sts, warm cache', `${ok(b).toFixed(0)} req/s`, `p99 ${b.latency.p99} ms (target <= 12); ${(ok(b) / ok(a)).toFixed(2)} x (a); ${(ok(b) / ok(a2)).toFixed(2)} x (a') (target >= 0.9); ${(ok(b) / ok(a3)).toFixed(2)} x (a'')`],
      ['(c) naive sample server, STS 100/s', `${ok(c).toFixed(0)} ok/s`, `${c.non2xx} refused of ${c.requests.total}`],
      ['(d) ossvend, 1000 users, cold start', `${coldSeconds.toFixed(1)} s`, `${cold.served} of ${many.length} served first time; ${(cold.served / coldSeconds).toFixed(0)} ok/s (STS allows 100 calls/s; target <= 10.2 s); ${cold.throttled} calls throttled by STS`],
      ['(d) ossvend, 1000 users, steady', `${ok(d).toFixed(0)} ok/s`, `${(ok(d) / Math.max(1, ok(c))).toFixed(0)} x (c) (target >= 50); ${d.non2xx} non-2xx`],
    ]
    const figures = {
      bareExpressRps: Math.round(ok(a)),
      warmStsRps: Math.round(ok(b)),
      warmStsP99Ms: b.latency.p99,
      warmOverBare: Number((ok(b) / ok(a)).toFixed(2)),
      bareSameResponseRps: Math.round(ok(a2)),
      bareSameResponseP99Ms: a2.latency.p99,
      warmOverBareSameResponse: Number((ok(b) / ok(a2)).toFixed(2)),
      bornSameResponseRps: Math.round(ok(a3)),
      bornSameResponseP99Ms: a3.latency.p99,
      warmOverBornSameResponse: Number((ok(b) / ok(a3)).toFixed(2)),
      naiveOkRps: Math.round(ok(c)),
      thousandUsersColdStartSeconds: Number(coldSeconds.toFixed(1)),
      thousandUsersColdServed: cold.served,
      thousandUsersColdThrottled: cold.throttled,
      thousandUsersOkRps: Math.round(ok(d)),
      thousandUsersOverNaive: Math.round(ok(d) / Math.max(1, ok(c))),
      thousandUsersNon2xx: d.non2xx,
    }
    return { name: 'http', rows, figures }
  } finally {
    for (const child of children) child.kill('SIGKILL')
  }
}

export { run_ as run }
