import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { listed, screenshot, signIn, testConfigWith, useServerAndChromium, watchProblems, type AliOss } from '../helpers/browser.js'
import { createRequire } from 'node:module'

// A path-rules scope over two buckets of one region: home/{user}/ in the configured bucket and
// media/{user}/ in app-media. The page reaches each through its own ali-oss client and names the
// bucket when it asks ossvend to sign.
const RULES = {
  description: 'Two buckets: documents in the configured one, media in app-media.',
  rules: [
    { path: 'home/{user}/*', id: 'home', label: 'Documents', access: { owner: ['read', 'list', 'write', 'delete'] } },
    { path: 'media/{user}/*', bucket: 'app-media', id: 'media', label: 'Media', access: { owner: ['read', 'list', 'write', 'delete'] } },
  ],
}
// The role's own policy must allow the second bucket too (OSS intersects it with the session policy).
const ROLE = {
  Version: '1',
  Statement: [
    { Effect: 'Allow', Action: ['oss:GetObject', 'oss:PutObject', 'oss:DeleteObject', 'oss:ListParts', 'oss:AbortMultipartUpload'], Resource: ['acs:oss:*:*:app-base-oss/*', 'acs:oss:*:*:app-media/*'] },
    { Effect: 'Allow', Action: ['oss:ListObjects', 'oss:ListMultipartUploads'], Resource: ['acs:oss:*:*:app-base-oss', 'acs:oss:*:*:app-media'], Condition: { StringLike: { 'oss:Prefix': ['?*/', '?*/*'] } } },
  ],
}
const fixture = useServerAndChromium(() =>
  testConfigWith((config) => {
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-rules-'))
    const rules = join(dir, 'two-buckets.json')
    writeFileSync(rules, JSON.stringify(RULES))
    writeFileSync(join(dir, 'role.json'), JSON.stringify(ROLE))
    config.policies.rolePolicies = [join(dir, 'role.json')]
    config.oss = { ...config.oss, buckets: { 'app-media': {} } }
    config.policies.scopes = { ...(config.policies.scopes as object), media: rules }
    config.policies.pageScope = 'media'
    config.auth.demoUsers = (config.auth.demoUsers as { scopes: string[] }[]).map((u) => ({ ...u, scopes: [...u.scopes, 'media'] }))
  }),
)
const OSS = createRequire(import.meta.url)('ali-oss') as new (options: object) => AliOss

/** alice's Node client for one bucket, with her credentials for the media scope. */
async function aliceIn(bucket: string): Promise<AliOss> {
  const login = (await (await fetch(`${fixture.server.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'alice-sandbox-password' }) })).json()) as { accessToken: string }
  const sts = (await (await fetch(`${fixture.server.url}/v1/sts?scope=media`, { headers: { authorization: `Bearer ${login.accessToken}` } })).json()) as { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Placement: { Endpoint: string; Region: string } }
  return new OSS({ accessKeyId: sts.AccessKeyId, accessKeySecret: sts.AccessKeySecret, stsToken: sts.SecurityToken, bucket, endpoint: sts.Placement.Endpoint, region: `oss-${sts.Placement.Region}` })
}

const entry = (page: Page, name: string) => page.locator(`#listing li[data-name="${name}"]`)

describe('the storage browser over two buckets', () => {
  it('uploads, lists, downloads and deletes in the second bucket through its own area', async () => {
    const context = await fixture.browser.newContext({ acceptDownloads: true })
    const page = await context.newPage()
    const problems = await watchProblems(page)
    await signIn(page, fixture.server, 'alice')
    expect(await page.getByRole('tab').allTextContents()).toEqual(['Documents', 'Media'])
    await page.getByRole('tab', { name: 'Media' }).click()
    await listed(page)
    await page.locator('#files').setInputFiles({ name: 'clip.txt', mimeType: 'text/plain', buffer: Buffer.from('in the media bucket\n') })
    await expect.poll(() => page.locator('#queue li .details').textContent(), { timeout: 15_000 }).toMatch(/^Uploaded media\/alice\/clip\.txt: .*\(matches this file\)$/)
    await entry(page, 'clip.txt').waitFor()
    expect((await (await aliceIn('app-media')).get('media/alice/clip.txt')).content.toString()).toBe('in the media bucket\n')

    const link = page.getByRole('link', { name: 'Download clip.txt' })
    await Promise.all([page.waitForEvent('download'), link.click()])
    const href = (await link.getAttribute('href')) as string
    expect(new URL(href).hostname.startsWith('app-media.')).toBe(true)
    expect(await (await fetch(href)).text()).toBe('in the media bucket\n')
    await screenshot(page, 'buckets', 'media-area')

    await page.getByRole('button', { name: 'Delete clip.txt' }).click()
    await page.getByRole('button', { name: 'Yes, delete clip.txt' }).click()
    await expect.poll(() => entry(page, 'clip.txt').count()).toBe(0)
    await expect((await aliceIn('app-media')).head('media/alice/clip.txt')).rejects.toMatchObject({ status: 404 })
    await page.getByRole('tab', { name: 'Documents' }).click()
    await listed(page)
    expect(await page.locator('#listing').textContent()).toBe('This folder is empty.')
    expect(problems, problems.join('\n')).toEqual([])
    await context.close()
  }, 60_000)
})
