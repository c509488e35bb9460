// Two dialogs: share a link (a signed GET URL whose lifetime the user picks within the server's
// range, shown with its real lifetime, which the server may shorten) and an image preview.
import { signUrl } from './api.js'
import { bucketParam, currentScope } from './areas.js'
import { config } from './config.js'
import { $ } from './dom.js'
import { explainApiError, formatDuration } from './format.js'

const CHOICES = [60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400]

/** Lifetimes offered: the usual ones up to the server's maximum for GET, the maximum itself too. */
export function lifetimeChoices(max, preferred) {
  const choices = CHOICES.filter((s) => s < max)
  if (preferred > 0 && preferred < max && !choices.includes(preferred)) choices.push(preferred)
  choices.push(max)
  return choices.sort((a, b) => a - b)
}

let linkTarget
let returnFocus

function open(dialog) {
  returnFocus = document.activeElement
  dialog.showModal()
}

function close(dialog) {
  dialog.close()
}

export function openLinkDialog(area, key, name) {
  linkTarget = { area, key }
  const { max, default: preferred } = config.linkTtlSec
  $('link-ttl').replaceChildren(...lifetimeChoices(max, preferred).map((s) => new Option(formatDuration(s), String(s), false, s === Math.min(preferred, max))))
  $('link-name').textContent = name
  $('link-result').hidden = true
  $('link-copied').textContent = ''
  open($('link-dialog'))
  $('link-ttl').focus()
}

async function createLink(event) {
  event.preventDefault()
  const expiresIn = Number($('link-ttl').value)
  const { area, key } = linkTarget
  try {
    const signed = await signUrl({ key, method: 'GET', expiresIn, scope: currentScope(), ...bucketParam(area) })
    $('link-url').value = signed.url
    const until = new Date(signed.expiresAt)
    const shorter = signed.expiresIn < expiresIn ? ' (shorter than asked: the current credentials end sooner)' : ''
    $('link-lifetime').textContent = `Valid for ${formatDuration(signed.expiresIn)}, until ${until.toLocaleTimeString()}${shorter}.`
    $('link-result').hidden = false
    $('link-copied').textContent = ''
    $('link-copy').focus()
  } catch (err) {
    $('link-result').hidden = false
    $('link-url').value = ''
    $('link-lifetime').textContent = `No link: ${explainApiError(err)}`
  }
}

async function copyLink() {
  const url = $('link-url').value
  try {
    await navigator.clipboard.writeText(url)
    $('link-copied').textContent = 'Copied.'
  } catch {
    $('link-url').select()
    $('link-copied').textContent = 'Press Ctrl+C (or Cmd+C) to copy the selected link.'
  }
}

export async function openPreview(area, key, name) {
  const img = $('preview-image')
  img.removeAttribute('src')
  img.alt = name
  $('preview-title').textContent = `Preview of ${name}`
  $('preview-status').textContent = 'Loading...'
  open($('preview-dialog'))
  $('preview-close').focus()
  try {
    const signed = await signUrl({ key, method: 'GET', scope: currentScope(), ...bucketParam(area) })
    img.onload = () => ($('preview-status').textContent = `${img.naturalWidth} x ${img.naturalHeight} pixels`)
    img.onerror = () => ($('preview-status').textContent = 'The image could not be shown.')
    img.src = signed.url
  } catch (err) {
    $('preview-status').textContent = `No preview: ${explainApiError(err)}`
  }
}

export function bindDialogs() {
  $('link-form').addEventListener('submit', createLink)
  $('link-copy').addEventListener('click', copyLink)
  for (const id of ['link', 'preview']) {
    const dialog = $(`${id}-dialog`)
    $(`${id}-close`).addEventListener('click', () => close(dialog))
    // Escape closes a modal dialog natively; focus goes back to the button that opened it.
    dialog.addEventListener('close', () => returnFocus?.focus?.())
  }
}
