// Uploads: a signed PostObject form for small files, multipart with the user's STS credentials
// for large ones (resumable after a reload), each checked against its CRC-64 afterwards.
import { crc64 } from '/assets/crc64.js'
import { signPost, sts } from './api.js'
import { config } from './config.js'
import { explainUploadError } from './format.js'

const $ = (id) => document.getElementById(id)

const progress = new Map()
function updateOverall() {
  let done = 0
  let total = 0
  for (const { loaded, size } of progress.values()) {
    done += loaded
    total += size
  }
  const percent = total === 0 ? 0 : Math.floor((done / total) * 100)
  $('overall-progress').value = percent
  $('overall-percent').textContent = `${percent}%`
}

function queueItem(file) {
  const li = document.createElement('li')
  li.innerHTML = '<div class="item-row"><span class="name"></span><progress max="100" value="0"></progress><span class="percent">0%</span></div><div class="details" role="status"></div>'
  li.querySelector('.name').textContent = file.name
  $('queue').append(li)
  const bar = li.querySelector('progress')
  const percent = li.querySelector('.percent')
  const details = li.querySelector('.details')
  return {
    progress(loaded) {
      const p = file.size === 0 ? 100 : Math.floor((loaded / file.size) * 100)
      bar.value = p
      percent.textContent = `${p}%`
      progress.set(li, { loaded, size: file.size })
      updateOverall()
    },
    say(text, kind) {
      details.textContent = text
      details.className = `details ${kind ?? ''}`
    },
  }
}

async function verify(item, file, answer) {
  const local = crc64(new Uint8Array(await file.arrayBuffer())).toString()
  const same = local === answer.crc64
  item.say(`Uploaded ${answer.key}: ${answer.size} bytes, ETag ${answer.etag}, CRC-64 ${answer.crc64} ${same ? '(matches this file)' : `(does NOT match this file: ${local})`}`, same ? 'ok' : 'error')
}

// Keys are full OSS keys: the page's directory is web/ under the user's prefix (from /v1/sts).
async function webDir() {
  const answer = await sts(config.defaultScope)
  return `${answer.Placement.Prefix}web/`
}

async function uploadWithForm(file, item) {
  let form
  try {
    form = await signPost({ dir: await webDir() })
  } catch (err) {
    item.say(err.status === 401 ? 'Your session ended. Sign in again.' : 'The server could not prepare the upload.', 'error')
    return
  }
  const body = new FormData()
  for (const { name, value } of form.fields) body.append(name, value)
  body.append('Content-Type', file.type || 'application/octet-stream')
  body.append('file', file, file.name)
  await new Promise((resolve) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', form.host)
    xhr.upload.onprogress = (e) => item.progress(e.loaded * (file.size / Math.max(e.total, 1)))
    xhr.onerror = () => {
      item.say(explainUploadError(0), 'error')
      resolve()
    }
    xhr.onload = async () => {
      if (xhr.status === 200) {
        item.progress(file.size)
        await verify(item, file, JSON.parse(xhr.responseText))
      } else {
        item.say(explainUploadError(xhr.status, xhr.responseText), 'error')
      }
      resolve()
    }
    xhr.send(body)
  })
}

async function uploadInParts(file, item) {
  const answer = await sts(config.defaultScope)
  const form = await signPost({ dir: `${answer.Placement.Prefix}web/` })
  const callbackField = form.fields.find((f) => f.name === 'callback')
  const callback = callbackField ? JSON.parse(atob(callbackField.value)) : undefined
  const client = new window.OSS({
    accessKeyId: answer.AccessKeyId,
    accessKeySecret: answer.AccessKeySecret,
    stsToken: answer.SecurityToken,
    // The /v1/sts answer as-is: its placement is nested, so ali-oss's merge of the answer into its
    // options leaves endpoint, bucket and region alone.
    refreshSTSToken: () => sts(config.defaultScope),
    endpoint: answer.Placement.Endpoint,
    bucket: answer.Placement.Bucket,
    region: `oss-${answer.Placement.Region}`,
    secure: answer.Placement.Endpoint.startsWith('https'),
    retryMax: 3,
  })
  const key = `${answer.Placement.Prefix}web/${file.name}`
  const resumeKey = `ossvend-checkpoint:${key}:${file.size}:${file.lastModified}`
  const saved = localStorage.getItem(resumeKey)
  try {
    const result = await client.multipartUpload(key, file, {
      parallel: 3,
      partSize: 1024 * 1024,
      ...(saved ? { checkpoint: { ...JSON.parse(saved), file } } : {}),
      progress: (fraction, checkpoint) => {
        item.progress(fraction * file.size)
        if (checkpoint) localStorage.setItem(resumeKey, JSON.stringify({ ...checkpoint, file: undefined }))
      },
      ...(callback ? { callback: { url: callback.callbackUrl, body: callback.callbackBody, contentType: callback.callbackBodyType } } : {}),
    })
    localStorage.removeItem(resumeKey)
    item.progress(file.size)
    if (result.data?.Status === 'OK') await verify(item, file, result.data)
    else item.say(`Uploaded ${key}.`, 'ok')
  } catch (err) {
    item.say(err.name === 'ConnectionTimeoutError' || err.status === -1 ? explainUploadError(0) : explainUploadError(err.status, `<Code>${err.code}</Code>`), 'error')
  }
}

/** Uploads every file, each in its own queue row; resolves when all have finished or failed. */
export async function uploadAll(files) {
  const jobs = [...files].map((file) => {
    const item = queueItem(file)
    item.progress(0)
    return file.size >= config.multipartThresholdBytes ? uploadInParts(file, item) : uploadWithForm(file, item)
  })
  await Promise.all(jobs)
}
