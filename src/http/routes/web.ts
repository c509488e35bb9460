import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { Router } from 'express'
import { placementOf } from '../../grant/bucket-placement.js'
import type { OssEndpoint } from '../../oss/endpoint.js'
import type { AppDeps } from '../deps.js'
import { serveAssets, servePage, type StaticAsset } from '../page-routes.js'

// src/web/assets in a checkout, dist/web/assets in the package (the build copies them there,
// with ali-oss's browser bundle, so an installed server needs neither src/ nor ali-oss).
const HERE = new URL('../../', import.meta.url)
const ASSET_DIR = new URL('web/assets/', HERE)
const SCRIPT_TYPE = 'text/javascript; charset=utf-8'
const ASSETS: Readonly<Record<string, StaticAsset>> = {
  'app.css': { file: fileURLToPath(new URL('app.css', ASSET_DIR)), type: 'text/css; charset=utf-8' },
  // The same CRC-64 code the server uses, built to plain ESM: the page checks uploads with it.
  'crc64.js': { file: firstExisting([new URL('oss/crc64.js', HERE), new URL('../dist/oss/crc64.js', HERE)]), type: SCRIPT_TYPE },
  // crc64.js imports it, and it imports wasm-emit.js (relative to /assets/).
  'crc64-wasm.js': { file: firstExisting([new URL('oss/crc64-wasm.js', HERE), new URL('../dist/oss/crc64-wasm.js', HERE)]), type: SCRIPT_TYPE },
  'wasm-emit.js': { file: firstExisting([new URL('oss/wasm-emit.js', HERE), new URL('../dist/oss/wasm-emit.js', HERE)]), type: SCRIPT_TYPE },
  'aliyun-oss-sdk.min.js': { file: firstExisting([new URL('aliyun-oss-sdk.min.js', ASSET_DIR), 'ali-oss/dist/aliyun-oss-sdk.min.js']), type: SCRIPT_TYPE },
}

/** The page's ES modules (src/web/assets/js/*.js), served at /assets/js/NAME. */
function pageModules(): Record<string, StaticAsset> {
  const dir = new URL('js/', ASSET_DIR)
  const names = readdirSync(dir).filter((name) => name.endsWith('.js'))
  return Object.fromEntries(names.map((name) => [name, { file: fileURLToPath(new URL(name, dir)), type: SCRIPT_TYPE }]))
}

/** The first candidate that exists: a file URL, or a module path resolved from here (a checkout's devDependency). */
function firstExisting(candidates: readonly (URL | string)[]): string {
  const paths = candidates.map((c) => {
    if (c instanceof URL) return fileURLToPath(c)
    try {
      return createRequire(import.meta.url).resolve(c)
    } catch {
      return undefined
    }
  })
  return paths.find((p): p is string => p !== undefined && existsSync(p)) ?? (paths.find((p) => p !== undefined) as string)
}

/** A CSP source for an OSS endpoint: its origin, or any bucket under it when buckets are virtual hosts. */
function sourceOf(endpoint: OssEndpoint): string {
  const url = new URL(endpoint.url)
  return endpoint.style === 'virtual' ? `${url.protocol}//*.${url.host}` : url.origin
}

const escapeAttribute = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * GET /: the storage browser page (seed chapter 2's upload page grown into a browser over the
 * caller's areas) and its assets. Its content security policy allows scripts and styles from this
 * server only, connections to this server and the OSS endpoint, and images from both.
 */
export function webRoutes(deps: AppDeps, router: Router): void {
  const template = readFileSync(new URL('index.html', ASSET_DIR), 'utf8')
  // Every bucket the page may reach: the configured one and those of oss.buckets (a custom
  // domain, or another region's endpoint).
  const buckets = [deps.config.oss.bucket, ...Object.keys(deps.config.oss.buckets ?? {})]
  const ossSources = [...new Set(buckets.map((bucket) => sourceOf(placementOf(deps, bucket).signing)))].join(' ')
  const csp = [
    "default-src 'none'",
    // WebAssembly (not eval) for the CRC-64 check of uploads (crc64-wasm.js; plain JS without it).
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    // Image previews are signed GET URLs on the OSS endpoint.
    `img-src 'self' data: ${ossSources}`,
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
    scope: deps.config.policies.pageScope,
    guestsEnabled: deps.config.auth.guest.enabled,
    ...(deps.config.auth.guest.enabled && deps.config.auth.guest.scope ? { guestScope: deps.config.auth.guest.scope } : {}),
    // /v1/sign/* name a bucket only when it is not this one.
    bucket: deps.config.oss.bucket,
    // Shared links: the lifetime offered first and the longest one the server signs.
    linkTtlSec: { default: deps.config.sign.urlTtlSec, max: deps.config.sign.maxUrlTtlSec.GET },
  })
  const page = template.replace('{{CONFIG}}', escapeAttribute(pageConfig))

  servePage(router, '/', page, csp)
  serveAssets(router, '/assets', ASSETS, 'no-cache')
  serveAssets(router, '/assets/js', pageModules(), 'no-cache')
}
