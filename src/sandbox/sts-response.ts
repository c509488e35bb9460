import type { ServerResponse } from 'node:http'

/** How STS answers: JSON, or XML when an RPC call asked for `Format=XML` (or named none). */
export type StsFormat = 'json' | 'xml'

type Value = string | number | { readonly [key: string]: Value }

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)
}

function toXml(name: string, value: Value): string {
  if (typeof value !== 'object') return `<${name}>${escapeXml(String(value))}</${name}>`
  return `<${name}>${Object.entries(value).map(([k, v]) => toXml(k, v)).join('')}</${name}>`
}

/**
 * Writes an STS answer: `{...}` as JSON, or as XML under `root` (`AssumeRoleResponse` for a
 * success, `Error` for a failure), the shapes STS gives for `Format=XML`.
 */
export function sendSts(res: ServerResponse, status: number, format: StsFormat, root: string, body: Record<string, Value>, requestId?: string): void {
  res.statusCode = status
  if (requestId) res.setHeader('x-acs-request-id', requestId)
  if (format === 'xml') {
    res.setHeader('content-type', 'text/xml;charset=utf-8')
    res.end(`<?xml version="1.0" encoding="UTF-8"?>${toXml(root, body)}`)
    return
  }
  res.setHeader('content-type', 'application/json;charset=utf-8')
  res.end(JSON.stringify(body))
}
