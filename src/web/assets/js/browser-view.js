// The storage browser: a tab per area, breadcrumbs, one page of folders and files at a time
// (ListObjects with delimiter "/" and a marker per page), and the actions the area's verbs allow.
import { signUrl } from './api.js'
import { bucketParam, can, clientFor, currentScope } from './areas.js'
import { $, el } from './dom.js'
import { fromDrop, fromInput } from './file-entries.js'
import { explainApiError, formatSize, formatTime } from './format.js'
import { openLinkDialog, openPreview } from './dialogs.js'
import { enqueue, onBatchSettled } from './upload-queue.js'

export const PAGE_SIZE = 50
const IMAGE = /\.(png|jpe?g|gif|webp|avif|bmp)$/i

const state = { areas: [], area: undefined, path: '', markers: [undefined], page: 0, onSessionEnded: () => {} }
const dirOf = () => `${state.area.prefix}${state.path}`

/** Shows the areas as tabs and opens the first. `onSessionEnded`: called on a 401. */
export function showAreas(areas, onSessionEnded) {
  state.areas = areas
  state.onSessionEnded = onSessionEnded
  const tabs = areas.map((area, i) =>
    el('button', { type: 'button', role: 'tab', id: `tab-${area.id}`, 'aria-controls': 'area-panel', 'aria-selected': 'false', tabIndex: -1, onclick: () => selectArea(i), onkeydown: (e) => tabKeys(e, i) }, area.label),
  )
  $('areas').replaceChildren(...tabs)
  if (areas.length === 0) {
    $('area-panel').hidden = true
    say('You have no areas to browse.')
    return
  }
  $('area-panel').hidden = false
  return selectArea(0, { focus: false })
}

function tabKeys(event, i) {
  const n = state.areas.length
  const to = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 }[event.key]
  if (to === undefined) return
  event.preventDefault()
  selectArea(to)
  $('areas').children[to].focus()
}

export function selectArea(i, { focus = false } = {}) {
  state.area = state.areas[i]
  ;[...$('areas').children].forEach((tab, j) => {
    tab.setAttribute('aria-selected', String(i === j))
    tab.tabIndex = i === j ? 0 : -1
  })
  $('area-panel').setAttribute('aria-labelledby', `tab-${state.area.id}`)
  const area = state.area
  $('upload-controls').hidden = !can(area, 'write')
  const notes = []
  if (!can(area, 'write') && !can(area, 'delete')) notes.push('Read-only: you can open and download files here.')
  if (!can(area, 'list')) notes.push('This area cannot be listed.')
  if (!can(area, 'read') && can(area, 'write')) notes.push('Drop box: you can upload here but not open the files.')
  $('area-note').textContent = notes.join(' ')
  return openFolder('', { focus })
}

/** Opens a folder of the current area (`path` relative to the area's prefix, "" or ending "/"). */
export function openFolder(path, { focus = true } = {}) {
  state.path = path
  state.markers = [undefined]
  state.page = 0
  renderCrumbs()
  $('folder-title').textContent = path === '' ? state.area.label : `${state.area.label} / ${path.slice(0, -1)}`
  if (focus) $('folder-title').focus()
  return loadPage()
}

function renderCrumbs() {
  const segments = state.path.split('/').filter(Boolean)
  const crumbs = [{ label: state.area.label, path: '' }, ...segments.map((s, i) => ({ label: s, path: `${segments.slice(0, i + 1).join('/')}/` }))]
  $('crumbs').replaceChildren(
    ...crumbs.map((c, i) =>
      el('li', {}, i === crumbs.length - 1
        ? el('span', { 'aria-current': 'page' }, c.label)
        : el('button', { type: 'button', className: 'link', onclick: () => openFolder(c.path) }, c.label)),
    ),
  )
}

async function loadPage() {
  const area = state.area
  const listing = $('listing')
  if (!can(area, 'list')) {
    listing.replaceChildren()
    pager(false)
    return
  }
  $('listing-status').textContent = 'Loading...'
  let result
  try {
    const client = await clientFor(area)
    result = await client.list({ prefix: dirOf(), delimiter: '/', 'max-keys': PAGE_SIZE, ...(state.markers[state.page] ? { marker: state.markers[state.page] } : {}) }, { timeout: 30_000 })
  } catch (err) {
    if (err.status === 401) return state.onSessionEnded()
    $('listing-status').textContent = err.code === 'AccessDenied' ? 'Access denied: you may not list this folder.' : `The list could not be loaded (${err.code ?? explainApiError(err)}).`
    return
  }
  if (area !== state.area) return
  const dir = dirOf()
  const folders = (result.prefixes ?? []).map((p) => p.slice(dir.length))
  const files = (result.objects ?? []).filter((o) => o.name !== dir)
  listing.replaceChildren(...folders.map(folderRow), ...files.map(fileRow))
  if (folders.length + files.length === 0) listing.append(el('li', { className: 'empty' }, state.page === 0 ? 'This folder is empty.' : 'No more entries.'))
  state.markers[state.page + 1] = result.isTruncated ? result.nextMarker : undefined
  pager(result.isTruncated)
  const count = `${folders.length} folder${folders.length === 1 ? '' : 's'}, ${files.length} file${files.length === 1 ? '' : 's'}`
  $('listing-status').textContent = `${count} on page ${state.page + 1}${result.isTruncated ? '; more on the next page' : ''}.`
}

function pager(more) {
  $('prev-page').disabled = state.page === 0
  $('next-page').disabled = !more
  $('page-number').textContent = `Page ${state.page + 1}`
}

function turn(by) {
  state.page += by
  return loadPage()
}

function folderRow(name) {
  const label = name.slice(0, -1)
  return el('li', { className: 'entry folder', 'data-name': name },
    el('button', { type: 'button', className: 'open-folder', 'aria-label': `Open folder ${label}`, onclick: () => openFolder(`${state.path}${name}`) }, `${label}/`),
    el('span', { className: 'meta' }, 'Folder'))
}

function fileRow(object) {
  const area = state.area
  const name = object.name.slice(dirOf().length)
  const actions = el('div', { className: 'actions' })
  const row = el('li', { className: 'entry file', 'data-name': name },
    el('span', { className: 'name' }, name),
    el('span', { className: 'meta' }, `${formatSize(object.size)}, ${formatTime(new Date(object.lastModified))}`),
    actions)
  const buttons = []
  if (can(area, 'read')) {
    buttons.push(downloadLink(area, object.name, name))
    buttons.push(el('button', { type: 'button', 'aria-label': `Copy link to ${name}`, onclick: () => openLinkDialog(area, object.name, name) }, 'Copy link'))
    if (IMAGE.test(name)) buttons.push(el('button', { type: 'button', 'aria-label': `Preview ${name}`, onclick: () => openPreview(area, object.name, name) }, 'Preview'))
  }
  if (can(area, 'delete')) buttons.push(el('button', { type: 'button', className: 'danger', 'aria-label': `Delete ${name}`, onclick: () => confirmDelete(row, actions, buttons, object.name, name) }, 'Delete'))
  actions.append(...buttons)
  return row
}

// A real link: signed on first use (and again once its signature expired) with an attachment
// content-disposition, then followed.
function downloadLink(area, key, name) {
  const link = el('a', { href: '#', className: 'download', 'aria-label': `Download ${name}` }, 'Download')
  link.addEventListener('click', async (e) => {
    if (link.dataset.expires && Number(link.dataset.expires) > Date.now() + 5000) return
    e.preventDefault()
    try {
      const safe = name.replace(/["\\]/g, '').replace(/[^ -~]/g, '_')
      const signed = await signUrl({ key, method: 'GET', scope: currentScope(), ...bucketParam(area), response: { contentDisposition: `attachment; filename="${safe}"` } })
      link.href = signed.url
      link.dataset.expires = String(Date.parse(signed.expiresAt))
      link.click()
    } catch (err) {
      if (err.status === 401) return state.onSessionEnded()
      say(`The download could not be prepared: ${explainApiError(err)}`)
    }
  })
  return link
}

function confirmDelete(row, actions, buttons, key, name) {
  const keep = el('button', { type: 'button', onclick: () => {
    actions.replaceChildren(...buttons)
    buttons.at(-1).focus()
  } }, 'Keep')
  const yes = el('button', { type: 'button', className: 'danger', 'aria-label': `Yes, delete ${name}`, onclick: () => remove(key, name) }, 'Yes, delete')
  actions.replaceChildren(el('span', { className: 'confirm' }, `Delete ${name}?`), yes, keep)
  yes.focus()
}

async function remove(key, name) {
  try {
    const client = await clientFor(state.area)
    await client.delete(key)
    say(`Deleted ${name}.`)
  } catch (err) {
    if (err.status === 401) return state.onSessionEnded()
    say(err.code === 'AccessDenied' ? `Access denied: ${name} was not deleted.` : `${name} was not deleted (${err.code ?? explainApiError(err)}).`)
  }
  await loadPage()
  $('folder-title').focus()
}

function say(text) {
  $('notice').textContent = text
}

function upload(entries) {
  if (!state.area || !can(state.area, 'write') || entries.length === 0) return
  enqueue(state.area, dirOf(), entries)
}

/** Wires the page's fixed controls once. */
export function bindBrowser() {
  $('refresh').addEventListener('click', () => loadPage())
  $('prev-page').addEventListener('click', () => turn(-1))
  $('next-page').addEventListener('click', () => turn(1))
  $('choose-files').addEventListener('click', () => $('files').click())
  $('choose-folder').addEventListener('click', () => $('folder').click())
  for (const input of [$('files'), $('folder')]) {
    input.addEventListener('change', () => {
      upload(fromInput(input))
      input.value = ''
    })
  }
  const drop = $('drop')
  drop.addEventListener('dragover', (e) => {
    e.preventDefault()
    drop.classList.add('over')
  })
  drop.addEventListener('dragleave', () => drop.classList.remove('over'))
  drop.addEventListener('drop', async (e) => {
    e.preventDefault()
    drop.classList.remove('over')
    upload(await fromDrop(e.dataTransfer))
  })
  onBatchSettled((area, dir) => {
    if (area === state.area && dir === dirOf()) loadPage()
  })
}
