// A standalone sandbox STS with fixed root keys, for benchmarks: prints its URL.
import { StsCredentialStore } from '../../dist/sandbox/sts-credential-store.js'
import { startSandboxSts } from '../../dist/sandbox/sts-server.js'

const sts = await startSandboxSts({
  accounts: new Map([[process.env.BENCH_AK, { accessKeySecret: process.env.BENCH_SK, account: '1234' }]]),
  store: new StsCredentialStore(),
  clock: () => new Date(),
  rateLimitPerSecond: Number(process.env.BENCH_STS_RATE ?? 100),
})
console.log(`sts ${sts.url}`)
