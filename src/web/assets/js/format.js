// Numbers, times and messages a person reads.
import { config } from './config.js'

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

/** Bytes in human units (powers of 1024), e.g. 1.5 MB. */
export function formatSize(bytes) {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`
}

/** Seconds as words: 90 -> "1 minute 30 seconds", 3600 -> "1 hour". */
export function formatDuration(seconds) {
  const parts = []
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  const say = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`
  if (h) parts.push(say(h, 'hour'))
  if (m) parts.push(say(m, 'minute'))
  if (s || parts.length === 0) parts.push(say(s, 'second'))
  return parts.join(' ')
}

export function formatTime(date) {
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/** An OSS or network failure in words: `status` 0 is a lost connection, `text` OSS's XML error. */
export function explainUploadError(status, text) {
  if (status === 0) return 'The network connection was lost. Check it and try again.'
  const code = /<Code>([^<]+)<\/Code>/.exec(text ?? '')?.[1]
  if (code === 'EntityTooLarge') return `The file is too large (the limit is ${formatSize(config.maxUploadBytes)}).`
  if (code === 'EntityTooSmall') return 'The file is empty.'
  if (/Policy expired/.test(text ?? '')) return 'The upload form expired before the upload started. Try again.'
  if (/content-type/.test(text ?? '')) return 'This type of file is not allowed.'
  if (code === 'AccessDenied') return 'Access denied: you may not upload there.'
  if (status === 203) return 'The file was uploaded, but the server could not confirm it.'
  return `The upload failed (${code ?? status}).`
}

/** An API failure in words. */
export function explainApiError(err) {
  if (err.status === 401) return 'Your session ended. Sign in again.'
  if (err.status === 403) return 'Access denied.'
  if (err.status === 429) return 'Too many requests. Wait a moment and try again.'
  if (err.status === undefined || err.status <= 0) return 'The network connection was lost. Check it and try again.'
  return `The request failed (${err.code ?? err.status}).`
}
