/**
 * Fetches an upload-callback public key: bounded in time and size, only PEM accepted, cached per
 * URL (the key rarely changes), concurrent fetches of one URL shared. Failures are not cached.
 */
export function createPublicKeyFetcher(options: { timeoutMs?: number; maxBytes?: number; fetch?: typeof fetch } = {}) {
  const fetchImpl = options.fetch ?? fetch
  const timeoutMs = options.timeoutMs ?? 2000
  const maxBytes = options.maxBytes ?? 16 * 1024
  const cache = new Map<string, string>()
  const pending = new Map<string, Promise<string | undefined>>()

  async function load(url: URL): Promise<string | undefined> {
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      const response = await fetchImpl(url, { signal, redirect: 'error' })
      if (!response.ok || !response.body) return undefined
      const reader = response.body.getReader()
      const chunks: Uint8Array[] = []
      let size = 0
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        size += value.length
        if (size > maxBytes) {
          await reader.cancel()
          return undefined
        }
        chunks.push(value)
      }
      const pem = Buffer.concat(chunks).toString('utf8')
      if (!/^-----BEGIN (RSA )?PUBLIC KEY-----[\s\S]+-----END (RSA )?PUBLIC KEY-----\s*$/.test(pem.trim())) return undefined
      cache.set(url.href, pem)
      return pem
    } catch {
      return undefined
    }
  }

  return async function fetchPublicKey(url: URL): Promise<string | undefined> {
    const cached = cache.get(url.href)
    if (cached) return cached
    let inflight = pending.get(url.href)
    if (!inflight) {
      inflight = load(url).finally(() => pending.delete(url.href))
      pending.set(url.href, inflight)
    }
    return inflight
  }
}
