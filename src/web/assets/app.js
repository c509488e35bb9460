// The upload page: sign in, upload with signed forms (small files) or in parts with the user's own
// STS credentials (large files), check each upload's CRC-64, list the user's files.
import { crc64 } from '/assets/crc64.js'

const config = JSON.parse(document.body.dataset.config)
const $ = (id) => document.getElementById(id)
let token = sessionStorage.getItem('ossvend-token')
let user = sessionStorage.getItem('ossvend-user')

async function api(path, options = {}) {
  const res = await fetch(path, {
    ...options,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
  })
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text()
  if (!res.ok) throw Object.assign(new Error(body?.title ?? 'request failed'), { status: res.status, code: body?.code })
  return body
}

function show() {
  $('signin').hidden = Boolean(token)
  $('upload').hidden = !token
  $('mine').hidden = !token
  $('who').textContent = token ? `Signed in as ${user}` : ''
  if (token) refresh()
}

$('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  $('signin-error').textContent = ''
  try {
    const username = $('username').value
    const result = await api('/v1/login', { method: 'POST', body: JSON.stringify({ username, password: $('password').value }) })
    token = result.accessToken
    user = username.toLowerCase()
    sessionStorage.setItem('ossvend-token', token)
    sessionStorage.setItem('ossvend-user', user)
    show()
  } catch (err) {
    $('signin-error').textContent = err.status === 429 ? 'Too many failed attempts. Wait a while and try again.' : 'The user name or password is not right.'
  }
})

// --- the queue and progress

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
    element: li,
  }
}

// --- error messages a person understands

function explain(status, text) {
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

function formatSize(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`
}

async function verify(item, file, answer) {
  const local = crc64(new Uint8Array(await file.arrayBuffer())).toString()
  const same = local === answer.crc64
  item.say(`Uploaded ${answer.key}: ${answer.size} bytes, ETag ${answer.etag}, CRC-64 ${answer.crc64} ${same ? '(matches this file)' : `(does NOT match this file: ${local})`}`, same ? 'ok' : 'error')
}

// --- small files: a signed PostObject form, sent with XMLHttpRequest for upload progress

// Keys are full OSS keys: the page's directory is web/ under the user's prefix (from /v1/sts).
async function webDir() {
  const sts = await api(`/v1/sts?scope=${encodeURIComponent(config.defaultScope)}`)
  return `${sts.Placement.Prefix}web/`
}

async function uploadWithForm(file, item) {
  let form
  try {
    form = await api('/v1/sign/post', { method: 'POST', body: JSON.stringify({ dir: await webDir() }) })
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
      item.say(explain(0), 'error')
      resolve()
    }
    xhr.onload = async () => {
      if (xhr.status === 200) {
        item.progress(file.size)
        await verify(item, file, JSON.parse(xhr.responseText))
      } else {
        item.say(explain(xhr.status, xhr.responseText), 'error')
      }
      resolve()
    }
    xhr.send(body)
  })
}

// --- large files: multipart with the user's STS credentials, resumable after a reload

async function uploadInParts(file, item) {
  const sts = await api(`/v1/sts?scope=${encodeURIComponent(config.defaultScope)}`)
  const form = await api('/v1/sign/post', { method: 'POST', body: JSON.stringify({ dir: `${sts.Placement.Prefix}web/` }) })
  const callbackField = form.fields.find((f) => f.name === 'callback')
  const callback = callbackField ? JSON.parse(atob(callbackField.value)) : undefined
  const client = new window.OSS({
    accessKeyId: sts.AccessKeyId,
    accessKeySecret: sts.AccessKeySecret,
    stsToken: sts.SecurityToken,
    // The /v1/sts answer as-is: its placement is nested, so ali-oss's merge of the answer into its
    // options leaves endpoint, bucket and region alone.
    refreshSTSToken: () => api(`/v1/sts?scope=${encodeURIComponent(config.defaultScope)}`),
    endpoint: sts.Placement.Endpoint,
    bucket: sts.Placement.Bucket,
    region: `oss-${sts.Placement.Region}`,
    secure: sts.Placement.Endpoint.startsWith('https'),
    retryMax: 3,
  })
  const key = `${sts.Placement.Prefix}web/${file.name}`
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
    item.say(err.name === 'ConnectionTimeoutError' || err.status === -1 ? explain(0) : explain(err.status, `<Code>${err.code}</Code>`), 'error')
  }
}

async function uploadAll(files) {
  const jobs = [...files].map((file) => {
    const item = queueItem(file)
    item.progress(0)
    return file.size >= config.multipartThresholdBytes ? uploadInParts(file, item) : uploadWithForm(file, item)
  })
  await Promise.all(jobs)
  refresh()
}

$('files').addEventListener('change', () => {
  uploadAll($('files').files)
  $('files').value = ''
})
const drop = $('drop')
drop.addEventListener('dragover', (e) => {
  e.preventDefault()
  drop.classList.add('over')
})
drop.addEventListener('dragleave', () => drop.classList.remove('over'))
drop.addEventListener('drop', (e) => {
  e.preventDefault()
  drop.classList.remove('over')
  uploadAll(e.dataTransfer.files)
})

// --- the user's files, with signed download links

async function refresh() {
  let uploads
  try {
    ;({ uploads } = await api('/v1/uploads'))
  } catch (err) {
    if (err.status === 401) {
      token = null
      sessionStorage.removeItem('ossvend-token')
      show()
    }
    return
  }
  const list = $('files-list')
  list.replaceChildren()
  if (uploads.length === 0) {
    const empty = document.createElement('li')
    empty.textContent = 'No files yet.'
    list.append(empty)
  }
  for (const upload of uploads) {
    const li = document.createElement('li')
    const link = document.createElement('a')
    link.textContent = upload.key
    link.href = '#'
    link.className = 'download'
    link.addEventListener('click', async (e) => {
      if (link.dataset.signed) return
      e.preventDefault()
      const signed = await api('/v1/sign/url', { method: 'POST', body: JSON.stringify({ key: upload.key, method: 'GET', response: { contentDisposition: `attachment; filename="${upload.key.split('/').pop().replace(/"/g, '')}"` } }) })
      link.href = signed.url
      link.dataset.signed = 'true'
      link.click()
    })
    const info = document.createElement('span')
    info.className = 'details'
    info.textContent = ` ${formatSize(upload.size)}, CRC-64 ${upload.crc64}`
    li.append(link, info)
    list.append(li)
  }
}
$('refresh').addEventListener('click', refresh)

show()
