// What the page shows: the sign-in form or the upload area and the user's files.
import { listUploads, login, signUrl } from './api.js'
import { formatSize } from './format.js'
import { session } from './session.js'
import { uploadAll } from './upload-queue.js'

const $ = (id) => document.getElementById(id)

export function show() {
  const signedIn = session.signedIn
  $('signin').hidden = signedIn
  $('upload').hidden = !signedIn
  $('mine').hidden = !signedIn
  $('who').textContent = signedIn ? `Signed in as ${session.user}` : ''
  if (signedIn) refresh()
}

export function bindSignIn() {
  $('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    $('signin-error').textContent = ''
    try {
      const username = $('username').value
      const result = await login(username, $('password').value)
      session.start(result.accessToken, username.toLowerCase())
      show()
    } catch (err) {
      $('signin-error').textContent = err.status === 429 ? 'Too many failed attempts. Wait a while and try again.' : 'The user name or password is not right.'
    }
  })
}

export function bindUploads() {
  const input = $('files')
  const upload = async (files) => {
    await uploadAll(files)
    refresh()
  }
  input.addEventListener('change', () => {
    upload(input.files)
    input.value = ''
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
    upload(e.dataTransfer.files)
  })
  $('refresh').addEventListener('click', refresh)
}

async function refresh() {
  let uploads
  try {
    ;({ uploads } = await listUploads())
  } catch (err) {
    if (err.status === 401) {
      session.clear()
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
      const name = upload.key.split('/').pop().replace(/"/g, '')
      const signed = await signUrl({ key: upload.key, method: 'GET', response: { contentDisposition: `attachment; filename="${name}"` } })
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
