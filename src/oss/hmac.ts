import { createHmac } from 'node:crypto'

export function hmacSha1Base64(key: string | Buffer, data: string): string {
  return createHmac('sha1', key).update(data, 'utf8').digest('base64')
}

export function hmacSha256(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest()
}

export function hmacSha256Hex(key: string | Buffer, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('hex')
}
