// Peer for bench/sandbox: stores and returns bytes with no authentication, no policy, no digests.
import { createServer } from 'node:http'
import { mkdtempSync, createWriteStream, createReadStream, renameSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'

// The bench passes a folder it removes afterwards (this process is killed, not asked to stop).
const dir = process.env.PLAIN_OBJECTS_DIR ?? mkdtempSync(join(tmpdir(), 'plain-objects-'))
let n = 0
const server = createServer((req, res) => {
  const file = join(dir, createHash('sha256').update(req.url).digest('hex'))
  if (req.method === 'PUT') {
    const tmp = `${file}.${n++}`
    req.pipe(createWriteStream(tmp)).on('finish', () => {
      renameSync(tmp, file)
      res.writeHead(200, { etag: '"0"' }).end()
    })
    return
  }
  try {
    res.writeHead(200, { 'content-length': statSync(file).size, 'content-type': 'application/octet-stream' })
    createReadStream(file).pipe(res)
  } catch {
    res.writeHead(404).end()
  }
})
server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`))
