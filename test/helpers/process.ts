import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './vectors.js'

export interface ServerProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly stsUrl: string
  readonly ossUrl: string
  /** `Authorization` for the sandbox's control endpoints (the token printed at start-up). */
  readonly control: { readonly authorization: string }
  readonly lines: string[]
  readonly stderr: string[]
  exited(): Promise<number | null>
}

/** A config for a real process: sandbox mode, free ports, a private data directory, fast hashing. */
export function writeTestConfig(patch: Record<string, unknown> = {}): string {
  const base = JSON.parse(readFileSync(join(ROOT, 'config.json'), 'utf8')) as Record<string, Record<string, unknown>>
  const dir = mkdtempSync(join(tmpdir(), 'ossvend-proc-'))
  const policies = base.policies as { scopes: Record<string, string>; rolePolicies: string[]; referer: string }
  const config = {
    ...base,
    mode: 'sandbox',
    auth: { ...base.auth, scryptLog2N: 10, usersFile: join(dir, 'users.json') },
    sandbox: { ...base.sandbox, dataDir: join(dir, 'sandbox') },
    store: { ...(base.store as object), dataDir: join(dir, 'data') },
    policies: {
      ...policies,
      scopes: Object.fromEntries(Object.entries(policies.scopes).map(([k, v]) => [k, join(ROOT, v)])),
      rolePolicies: policies.rolePolicies.map((p) => join(ROOT, p)),
      referer: join(ROOT, policies.referer),
    },
    ...patch,
  }
  const path = join(dir, 'config.json')
  writeFileSync(path, JSON.stringify(config))
  return path
}

/** Starts `node dist/main.js CONFIG` (what `npm start` runs) and waits for its start-up lines. */
export async function startServerProcess(configPath: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js'), configPath], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const stderr: string[] = []
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()))
  const ready = new Promise<{ url: string; stsUrl: string; ossUrl: string; token: string }>((resolve, reject) => {
    let buffer = ''
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString()
      let nl: number
      while ((nl = buffer.indexOf('\n')) >= 0) {
        lines.push(buffer.slice(0, nl))
        buffer = buffer.slice(nl + 1)
      }
      const url = lines.map((l) => /^ossvend listening on (http:\/\/\S+)$/.exec(l)?.[1]).find(Boolean)
      const stsUrl = lines.map((l) => /^sandbox sts on (http:\/\/\S+)$/.exec(l)?.[1]).find(Boolean)
      const ossUrl = lines.map((l) => /^sandbox oss on (http:\/\/\S+)$/.exec(l)?.[1]).find(Boolean)
      const token = lines.map((l) => /"sandboxControlToken":"([^"]+)"/.exec(l)?.[1]).find(Boolean)
      if (url && stsUrl && ossUrl && token) resolve({ url, stsUrl, ossUrl, token })
    })
    exit.then((code) => reject(new Error(`server exited with ${code}: ${stderr.join('')}`)))
    setTimeout(() => reject(new Error(`server did not start: ${lines.join('\n')} ${stderr.join('')}`)), 15_000).unref()
  })
  const { url, stsUrl, ossUrl, token } = await ready
  return { child, url, stsUrl, ossUrl, control: { authorization: `Bearer ${token}` }, lines, stderr, exited: () => exit }
}
