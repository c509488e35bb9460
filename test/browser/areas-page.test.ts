import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { listed, ossAs, screenshot, signIn, testConfigWith, useServerAndChromium, watchProblems } from '../helpers/browser.js'

// The page over config.json's page scope (the Amplify levels: public/, protected/{user}/,
// private/{user}/), with guests enabled on the same scope, and carol, who holds the read scope only.
const fixture = useServerAndChromium(() =>
  testConfigWith((config) => {
    config.auth.guest = { enabled: true, scope: 'levels' }
    config.auth.demoUsers = [...(config.auth.demoUsers as object[]), { username: 'carol', password: 'carol-sandbox-password', scopes: ['read'] }]
  }),
)
const shot = (page: Page, name: string) => screenshot(page, 'areas', name)

interface Area { id: string; label: string; prefix: string; verbs: string[] }

/** The areas a demo user (or a guest, without a name) gets, as the page reads them. */
async function areasOf(username?: string): Promise<Area[]> {
  const token = username
    ? ((await (await fetch(`${fixture.server.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: `${username}-sandbox-password` }) })).json()) as { accessToken: string }).accessToken
    : ((await (await fetch(`${fixture.server.url}/v1/guest`, { method: 'POST' })).json()) as { accessToken: string }).accessToken
  const answer = (await (await fetch(`${fixture.server.url}/v1/areas?scope=levels`, { headers: { authorization: `Bearer ${token}` } })).json()) as { areas: Area[] }
  return answer.areas
}

const byId = (areas: Area[], id: string) => {
  const area = areas.find((a) => a.id === id)
  if (!area) throw new Error(`no area ${id} in ${areas.map((a) => a.id).join(', ')}`)
  return area
}
const entry = (page: Page, name: string) => page.locator(`#listing li[data-name="${name}"]`)

let bobShared: string

beforeAll(async () => {
  const bob = await areasOf('bob')
  const { client } = await ossAs(fixture.server, 'bob', 'levels')
  bobShared = `${byId(bob, 'protected-mine').prefix}shared.txt`
  await client.put(bobShared, Buffer.from('shared by bob\n'))
  await client.put(`${byId(bob, 'public').prefix}hello.txt`, Buffer.from('hello, everyone\n'))
}, 30_000)

describe('the storage browser over the Amplify levels', () => {
  it('shows alice a tab per area, and no upload or delete where the area is read-only', async () => {
    const areas = await areasOf('alice')
    expect(areas.map((a) => a.id)).toEqual(expect.arrayContaining(['public', 'protected', 'protected-mine', 'private']))
    const context = await fixture.browser.newContext({ acceptDownloads: true })
    const page = await context.newPage()
    const problems = await watchProblems(page)
    await signIn(page, fixture.server, 'alice')
    expect(await page.getByRole('tab').allTextContents()).toEqual(areas.map((a) => a.label))
    expect(await page.locator('#upload-controls').isVisible()).toBe(true)
    await entry(page, 'hello.txt').waitFor()
    expect(await entry(page, 'hello.txt').getByRole('button', { name: 'Delete hello.txt' }).count()).toBe(1)
    await shot(page, 'alice-public')

    // Everyone's shared files: read and list only. Reached with the arrow keys, as tabs are.
    const shared = byId(areas, 'protected')
    expect(shared.verbs.sort()).toEqual(['list', 'read'])
    await page.getByRole('tab', { selected: true }).focus()
    for (let i = 0; i < areas.indexOf(shared); i++) await page.keyboard.press('ArrowRight')
    await listed(page)
    expect(await page.getByRole('tab', { selected: true }).textContent()).toBe(shared.label)
    expect(await page.evaluate('document.activeElement.textContent')).toBe(shared.label)
    expect(await page.locator('#crumbs [aria-current=page]').textContent()).toBe(shared.label)
    expect(await page.locator('#upload-controls').isVisible()).toBe(false)
    expect(await page.locator('#area-note').textContent()).toContain('Read-only')
    const bobFolder = bobShared.slice(shared.prefix.length).split('/')[0] as string
    await page.getByRole('button', { name: `Open folder ${bobFolder}` }).click()
    await listed(page)
    await entry(page, 'shared.txt').waitFor()
    expect(await entry(page, 'shared.txt').getByRole('button', { name: /Delete/ }).count()).toBe(0)
    expect(await page.getByRole('button', { name: /^Delete / }).count()).toBe(0)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download shared.txt' }).click()])
    expect(download.suggestedFilename()).toBe('shared.txt')
    await shot(page, 'alice-protected-read-only')

    // Her private area: she uploads there, and the key lands under her own prefix.
    const own = byId(areas, 'private')
    await page.getByRole('tab', { name: own.label, exact: true }).click()
    await listed(page)
    expect(await page.locator('#upload-controls').isVisible()).toBe(true)
    await page.locator('#files').setInputFiles({ name: 'mine.txt', mimeType: 'text/plain', buffer: Buffer.from('private note') })
    await expect.poll(() => page.locator('#queue li .details').textContent(), { timeout: 15_000 }).toMatch(new RegExp(`^Uploaded ${own.prefix}mine\\.txt: .*\\(matches this file\\)$`))
    await entry(page, 'mine.txt').waitFor()
    await shot(page, 'alice-private-uploaded')
    expect(problems, problems.join('\n')).toEqual([])
    await context.close()
  }, 60_000)

  it('lets a guest read the public area only', async () => {
    const guestAreas = await areasOf()
    const context = await fixture.browser.newContext()
    const page = await context.newPage()
    const problems = await watchProblems(page)
    await page.goto(fixture.server.url)
    await shot(page, 'guest-offered')
    await page.getByRole('button', { name: 'Continue as guest' }).click()
    await listed(page)
    expect(await page.locator('#who').textContent()).toBe('Browsing as a guest')
    expect(await page.getByRole('tab').allTextContents()).toEqual(guestAreas.map((a) => a.label))
    expect(guestAreas.map((a) => [a.id, [...a.verbs].sort()])).toEqual([['public', ['list', 'read']]])
    expect(await page.locator('#upload-controls').isVisible()).toBe(false)
    await entry(page, 'hello.txt').waitFor()
    expect(await page.getByRole('button', { name: /^Delete / }).count()).toBe(0)
    const link = page.getByRole('link', { name: 'Download hello.txt' })
    await Promise.all([page.waitForEvent('download'), link.click()])
    const fetched = await fetch((await link.getAttribute('href')) as string)
    expect(await fetched.text()).toBe('hello, everyone\n')
    await shot(page, 'guest-public')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    expect(await page.evaluate('sessionStorage.length')).toBe(0)
    expect(problems, problems.join('\n')).toEqual([])
    await context.close()
  }, 60_000)

  it('shows a user without the page\'s scope their own scope\'s area: read-only under the read template', async () => {
    const { client, prefix } = await ossAs(fixture.server, 'bob')
    await client.put(`${prefix}only-bob.txt`, Buffer.from('bob'))
    const context = await fixture.browser.newContext()
    const page = await context.newPage()
    const problems = await watchProblems(page)
    await signIn(page, fixture.server, 'carol')
    expect(await page.getByRole('tab').count()).toBe(1)
    expect(await page.locator('#upload-controls').isVisible()).toBe(false)
    expect(await page.locator('#area-note').textContent()).toContain('Read-only')
    expect(await page.locator('#listing').textContent()).toBe('This folder is empty.')
    await shot(page, 'carol-read-only-home')
    expect(problems, problems.join('\n')).toEqual([])
    await context.close()
  })
})
