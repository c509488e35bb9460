// Files chosen or dropped, each with its path relative to the folder it is uploaded into: a
// picked folder keeps its `webkitRelativePath`; a dropped folder is walked through its entries.

/** From an <input type=file> (with or without webkitdirectory). */
export function fromInput(input) {
  return [...input.files].map((file) => ({ file, path: file.webkitRelativePath || file.name }))
}

/** From a drop event: folders through DataTransferItem entries where the browser has them. */
export async function fromDrop(dataTransfer) {
  const entries = [...(dataTransfer.items ?? [])]
    .filter((item) => item.kind === 'file')
    .map((item) => (typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null))
  if (entries.length === 0 || entries.some((e) => !e)) return [...dataTransfer.files].map((file) => ({ file, path: file.name }))
  const out = []
  for (const entry of entries) await walk(entry, '', out)
  return out
}

async function walk(entry, base, out) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject))
    out.push({ file, path: `${base}${file.name}` })
    return
  }
  if (!entry.isDirectory) return
  const reader = entry.createReader()
  // readEntries answers in batches until it answers an empty one.
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject))
    if (batch.length === 0) break
    for (const child of batch) await walk(child, `${base}${entry.name}/`, out)
  }
}
