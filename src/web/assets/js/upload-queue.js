// The upload queue: each file goes to a full OSS key under the current folder, by a signed
// PostObject form when small and by ali-oss multipart with the caller's STS credentials when
// large (pause, resume, cancel; resumable after a reload through a checkpoint in localStorage).
// Every upload confirmed through the server's callback is checked against its CRC-64.
import { crc64 } from '/assets/crc64.js'
import { signPost } from './api.js'
import { bucketParam, clientFor, currentScope } from './areas.js'
import { config } from './config.js'
import { $, el } from './dom.js'
import { explainApiError, explainUploadError, formatSize } from './format.js'

const PARALLEL_FILES = 3
const PART_SIZE = 1024 * 1024

const jobs = []
let settledListener = () => {}

/** Called with the area and folder of a batch once all its files are done, failed or cancelled. */
export function onBatchSettled(listener) {
  settledListener = listener
}

/** Queues files ({file, path}) for `dir` (a full key prefix ending in "/") in `area`. */
export function enqueue(area, dir, entries) {
  const batch = entries.map(({ file, path }) => createJob(area, `${dir}${path}`, file, path))
  jobs.push(...batch)
  $('uploads').hidden = false
  updateTotal()
  pump()
  Promise.all(batch.map((job) => job.settled)).then(() => settledListener(area, dir))
  return batch
}

function pump() {
  const running = jobs.filter((j) => j.state === 'uploading').length
  for (const job of jobs.filter((j) => j.state === 'waiting').slice(0, Math.max(0, PARALLEL_FILES - running))) job.start()
}

function updateTotal() {
  const counted = jobs.filter((j) => j.state !== 'cancelled')
  const total = counted.reduce((sum, j) => sum + j.file.size, 0)
  const done = counted.reduce((sum, j) => sum + j.loaded, 0)
  const percent = total === 0 ? (counted.length > 0 ? 100 : 0) : Math.floor((done / total) * 100)
  $('overall-progress').value = percent
  $('overall-percent').textContent = `${percent}%`
  $('overall-bytes').textContent = `${formatSize(done)} of ${formatSize(total)}`
}

function createJob(area, key, file, path) {
  const multipart = file.size >= config.multipartThresholdBytes
  const bar = el('progress', { max: 100, value: 0, 'aria-label': `Progress of ${path}` })
  const percent = el('span', { className: 'percent' }, '0%')
  const details = el('div', { className: 'details', role: 'status' }, 'Waiting')
  const controls = el('div', { className: 'item-controls' })
  const row = el('li', { className: 'upload-item', 'data-key': key }, el('div', { className: 'item-row' }, el('span', { className: 'name' }, path), bar, percent), controls, details)
  $('queue').append(row)

  let resolveSettled
  let client
  let xhr
  let running
  let cancelWanted = false
  let checkpoint
  const resumeKey = `ossvend-checkpoint:${area.bucket}:${key}:${file.size}:${file.lastModified}`

  const job = {
    file,
    key,
    row,
    state: 'waiting',
    loaded: 0,
    settled: new Promise((resolve) => (resolveSettled = resolve)),
    start() {
      setState('uploading')
      running = (multipart ? uploadInParts() : uploadWithForm()).finally(() => {
        running = undefined
        pump()
      })
    },
    stop() {
      client?.cancel()
      xhr?.abort()
    },
  }

  const button = (label, action) => el('button', { type: 'button', className: `control ${label.toLowerCase()}`, 'aria-label': `${label} ${path}`, onclick: action }, label)
  function setState(state, text, kind) {
    job.state = state
    row.dataset.state = state
    say(text ?? { waiting: 'Waiting', uploading: 'Uploading', paused: 'Paused' }[state] ?? '', kind)
    const buttons = []
    if (multipart && state === 'uploading') buttons.push(button('Pause', pause))
    if (multipart && state === 'paused') buttons.push(button('Resume', resume))
    if (['waiting', 'uploading', 'paused'].includes(state)) buttons.push(button('Cancel', cancel))
    const focused = controls.contains(document.activeElement) ? document.activeElement.textContent : undefined
    controls.replaceChildren(...buttons)
    // Keep the keyboard where it was: Pause becomes Resume in the same place, and back.
    if (focused) (buttons.find((b) => b.textContent !== 'Cancel') ?? buttons[0] ?? $('overall-progress'))?.focus()
    if (['done', 'failed', 'cancelled'].includes(state)) resolveSettled()
    updateTotal()
  }
  function say(text, kind) {
    details.textContent = text
    details.className = `details ${kind ?? ''}`
  }
  function progress(loaded) {
    job.loaded = loaded
    const p = file.size === 0 ? 100 : Math.floor((loaded / file.size) * 100)
    bar.value = p
    percent.textContent = `${p}%`
    updateTotal()
  }

  // The server's answer through the upload callback when there is one; otherwise what OSS itself
  // says in the response headers (CORS exposes the CRC-64 and the ETag).
  function confirmed(text) {
    try {
      const answer = JSON.parse(text)
      return answer?.Status === 'OK' ? answer : undefined
    } catch {
      return undefined
    }
  }
  function fromHeaders(header) {
    const crc = header('x-oss-hash-crc64ecma')
    return crc ? { key, size: file.size, etag: (header('etag') ?? '').replace(/"/g, ''), crc64: crc } : undefined
  }

  async function verify(answer) {
    if (!answer) return setState('done', `Uploaded ${key}.`, 'ok')
    const local = crc64(new Uint8Array(await file.arrayBuffer())).toString()
    const same = local === answer.crc64
    setState('done', `Uploaded ${answer.key}: ${formatSize(answer.size)} (${answer.size} bytes), ETag ${answer.etag}, CRC-64 ${answer.crc64} ${same ? '(matches this file)' : `(does NOT match this file: ${local})`}`, same ? 'ok' : 'error')
  }

  const dirOf = (k) => k.slice(0, k.lastIndexOf('/') + 1)
  const form = () => signPost({ dir: dirOf(key), scope: currentScope(), ...bucketParam(area) })

  async function uploadWithForm() {
    let signed
    try {
      signed = await form()
    } catch (err) {
      setState('failed', err.status === 401 ? explainApiError(err) : `The server could not prepare the upload: ${explainApiError(err)}`, 'error')
      return
    }
    if (cancelWanted) return setState('cancelled', 'Cancelled: nothing was uploaded.')
    const body = new FormData()
    for (const { name, value } of signed.fields) body.append(name, value)
    body.append('Content-Type', file.type || 'application/octet-stream')
    body.append('file', file, key.slice(key.lastIndexOf('/') + 1))
    await new Promise((resolve) => {
      xhr = new XMLHttpRequest()
      xhr.open('POST', signed.host)
      xhr.upload.onprogress = (e) => progress(e.loaded * (file.size / Math.max(e.total, 1)))
      xhr.onabort = () => {
        progress(0)
        setState('cancelled', 'Cancelled: nothing was uploaded.')
        resolve()
      }
      xhr.onerror = () => {
        setState('failed', explainUploadError(0), 'error')
        resolve()
      }
      xhr.onload = async () => {
        if (xhr.status === 200) {
          progress(file.size)
          await verify(confirmed(xhr.responseText) ?? fromHeaders((name) => xhr.getResponseHeader(name)))
        } else {
          setState('failed', explainUploadError(xhr.status, xhr.responseText), 'error')
        }
        resolve()
      }
      xhr.send(body)
    })
  }

  async function uploadInParts() {
    let callback
    try {
      client = await clientFor(area, { own: true })
      const field = (await form()).fields.find((f) => f.name === 'callback')
      callback = field ? JSON.parse(atob(field.value)) : undefined
    } catch (err) {
      setState('failed', `The server could not prepare the upload: ${explainApiError(err)}`, 'error')
      return
    }
    if (cancelWanted) return abort()
    const saved = checkpoint ?? JSON.parse(localStorage.getItem(resumeKey) ?? 'null') ?? undefined
    try {
      const result = await client.multipartUpload(key, file, {
        parallel: 3,
        partSize: PART_SIZE,
        ...(saved ? { checkpoint: { ...saved, file } } : {}),
        progress: (fraction, cp) => {
          if (cp) {
            checkpoint = { ...cp, file: undefined }
            localStorage.setItem(resumeKey, JSON.stringify(checkpoint))
          }
          progress(fraction * file.size)
        },
        ...(callback ? { callback: { url: callback.callbackUrl, body: callback.callbackBody, contentType: callback.callbackBodyType } } : {}),
      })
      localStorage.removeItem(resumeKey)
      progress(file.size)
      await verify(result.data?.Status === 'OK' ? result.data : fromHeaders((name) => result.res?.headers?.[name]))
    } catch (err) {
      if (err.name === 'cancel') {
        if (cancelWanted) await abort()
        else setState('paused')
        return
      }
      setState('failed', err.name === 'ConnectionTimeoutError' || err.status === -1 ? explainUploadError(0) : explainUploadError(err.status, `<Code>${err.code}</Code>`), 'error')
    }
  }

  // ali-oss's cancel() lets the parts in flight finish, then rejects with name "cancel": the
  // upload is aborted only after that, so no part lands after the abort.
  function pause() {
    if (job.state !== 'uploading') return
    say('Pausing...')
    client?.cancel()
  }
  function resume() {
    if (job.state !== 'paused') return
    job.start()
  }
  async function cancel() {
    cancelWanted = true
    if (job.state === 'waiting') return setState('cancelled', 'Cancelled: nothing was uploaded.')
    if (job.state === 'paused') return abort()
    say('Cancelling...')
    if (xhr) xhr.abort()
    else client?.cancel()
    await running
  }
  async function abort() {
    localStorage.removeItem(resumeKey)
    const uploadId = checkpoint?.uploadId
    try {
      if (uploadId) await client.abortMultipartUpload(key, uploadId)
      progress(0)
      setState('cancelled', 'Cancelled: the parts sent so far were deleted.')
    } catch (err) {
      setState('failed', `Cancelling failed (${err.code ?? err.status}); the parts sent may remain until they expire.`, 'error')
    }
  }

  return job
}

export function clearFinished() {
  for (let i = jobs.length - 1; i >= 0; i--) {
    const job = jobs[i]
    if (['done', 'failed', 'cancelled'].includes(job.state)) {
      job.row.remove()
      jobs.splice(i, 1)
    }
  }
  updateTotal()
  if (jobs.length === 0) $('uploads').hidden = true
}

/** Sign-out: stops what runs (checkpoints stay, so a later session can resume) and forgets the rows. */
export function resetQueue() {
  for (const job of jobs) job.stop()
  jobs.length = 0
  $('queue').replaceChildren()
  $('uploads').hidden = true
  updateTotal()
}
