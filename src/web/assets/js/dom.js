// Small DOM helpers: look-ups by id and elements built from a tag, properties and children.
export const $ = (id) => document.getElementById(id)

/**
 * `el('button', { type: 'button', className: 'x', onclick }, 'text')`: properties are set as
 * properties, except `aria-*`, `data-*` and `for`, which are attributes.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue
    if (name.startsWith('aria-') || name.startsWith('data-') || name === 'for' || name === 'role') node.setAttribute(name, value === true ? '' : String(value))
    else node[name] = value
  }
  node.append(...children.filter((c) => c !== undefined && c !== null && c !== false))
  return node
}
