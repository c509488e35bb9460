import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Router } from 'express'
import type { AppDeps } from '../deps.js'

// Resolved from the package root, so the same paths work from src/ (tests) and dist/ (npm start).
const ROOT = new URL('../../../', import.meta.url)
const ASSETS: Readonly<Record<string, { file: URL; type: string }>> = {
  'app.js': { file: new URL('src/web/assets/app.js', ROOT), type: 'text/javascript; charset=utf-8' },
  'app.css': { file: new URL('src/web/assets/app.css', ROOT), type: 'text/css; charset=utf-8' },
  // The same CRC-64 code the server uses, built to plain ESM: the page checks uploads with it.
  'crc64.js': { file: new URL('dist/oss/crc64.js', ROOT), type: 'text/javascript; charset=utf-8' },
  // crc64.js imports it (slicing by 16 in WebAssembly).
  'crc64-wasm.js': { file: new URL('dist/oss/crc64-wasm.js', ROOT), type: 'text/javascript; charset=utf-8' },
  'aliyun-oss-sdk.min.js': { file: new URL('node_modules/ali-oss/dist/aliyun-oss-sdk.min.js', ROOT), type: 'text/javascript; charset=utf-8' },
}

const escapeAttribute = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * GET /: the upload page (seed chapter 2) and its assets. Its content security policy allows
 * scripts and styles from this server only, and connections to this server and the OSS endpoint.
 */
export function webRoutes(deps: AppDeps, router: Router): void {
  const template = readFileSync(new URL('src/web/assets/index.html', ROOT), 'utf8')
  const ossOrigin = new URL(deps.ossSigningEndpoint.url)
  const ossSources = deps.ossSigningEndpoint.style === 'path' ? ossOrigin.origin : `${ossOrigin.protocol}//*.${ossOrigin.host}`
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${ossSources}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
  const pageConfig = JSON.stringify({
    multipartThresholdBytes: deps.config.sign.multipartThresholdBytes,
    maxUploadBytes: deps.config.sign.maxUploadBytes,
    contentTypes: deps.config.sign.contentTypes,
    defaultScope: deps.config.policies.defaultScope,
  })
  const page = template.replace('{{CONFIG}}', escapeAttribute(pageConfig))

  router.get('/', (_req, res) => {
    res.setHeader('Content-Security-Policy', csp)
    res.setHeader('Cache-Control', 'no-cache')
    res.type('html').send(page)
  })
  router.get('/assets/:name', (req, res, next) => {
    const asset = ASSETS[req.params.name]
    if (!asset) {
      next()
      return
    }
    res.setHeader('Content-Type', asset.type)
    res.setHeader('Cache-Control', 'no-cache')
    res.sendFile(fileURLToPath(asset.file))
  })
}
