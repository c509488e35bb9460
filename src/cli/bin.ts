#!/usr/bin/env node
import { run } from './main.js'

const argv = process.argv.slice(2)
const code = await run(argv, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
  readStdin: async () => {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  },
})
// `serve` ends on a signal, with timers of its clients (Redis reconnects, metrics) still armed:
// exit outright. The other commands let their output drain and exit with the code.
if (argv[0] === 'serve') process.exit(code)
process.exitCode = code
