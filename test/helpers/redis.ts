import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

export interface RedisProcess {
  readonly url: string
  readonly port: number
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>
  /** Starts again on the same port (empty: nothing is saved). */
  restart(): Promise<void>
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

function launch(port: number): Promise<ChildProcess> {
  // Debian's redis-server; .ci/run installs it. A missing binary fails the test, never skips it.
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)))
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('Ready to accept connections')) resolve(child)
    })
    setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000).unref()
  })
}

/** A real redis-server on a free loopback port, for tests. */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort()
  let child = await launch(port)
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill(signal)
    await exited
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () => end('SIGKILL'),
    restart: async () => {
      await end('SIGKILL')
      child = await launch(port)
    },
    stop: () => end('SIGTERM'),
  }
}
