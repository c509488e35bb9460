import type { Router } from 'express'
import { pageHeaders } from './security-headers.js'

export interface StaticAsset {
  readonly file: string
  readonly type: string
}

/** An HTML page with the page headers and its own content security policy, never cached stale. */
export function servePage(router: Router, path: string, html: string, csp: string): void {
  const headers = pageHeaders({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false })
  router.get(path, (_req, res) => {
    headers(res)
    res.setHeader('Content-Security-Policy', csp)
    res.setHeader('Cache-Control', 'no-cache')
    res.type('html').send(html)
  })
}

/** `${prefix}/:name` for the named files only; any other name falls through (404). */
export function serveAssets(router: Router, prefix: string, assets: Readonly<Record<string, StaticAsset>>, cacheControl: string): void {
  router.get(`${prefix}/:name`, (req, res, next) => {
    const asset = assets[req.params.name]
    if (!asset) {
      next()
      return
    }
    res.setHeader('Content-Type', asset.type)
    res.setHeader('Cache-Control', cacheControl)
    res.sendFile(asset.file)
  })
}
