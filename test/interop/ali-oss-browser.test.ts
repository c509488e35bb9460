import { describe, expect, it } from 'vitest'
import { useServerAndChromium } from '../helpers/browser.js'

const fixture = useServerAndChromium()

async function vended(): Promise<Record<string, string>> {
  const login = await fetch(`${fixture.server.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'alice-sandbox-password' }) })
  const { accessToken } = (await login.json()) as { accessToken: string }
  return (await (await fetch(`${fixture.server.url}/v1/sts?scope=read-write`, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as Record<string, string>
}

describe('the ali-oss browser build in Chromium, against the advertised sandbox endpoint', () => {
  it('uploads, and every URL helper gives a URL the page can fetch, with no extra client options', async () => {
    const sts = await vended()
    const endpoint = `http://localhost:${new URL(fixture.server.ossUrl).port}`
    // The endpoint ossvend advertises in its /v1/sts answer.
    expect((sts.Placement as unknown as { Endpoint: string }).Endpoint).toBe(endpoint)
    const page = await fixture.browser.newPage()
    // ossvend's own page loads the ali-oss browser build (aliyun-oss-sdk.min.js) and is an allowed CORS origin.
    await page.goto(fixture.server.url)
    await page.waitForFunction(() => 'OSS' in globalThis)
    const results = await page.evaluate(async ({ sts, endpoint, bucket }) => {
      const OSS = (globalThis as unknown as { OSS: new (o: object) => Record<string, (...a: unknown[]) => unknown> }).OSS
      const client = new OSS({ accessKeyId: sts.AccessKeyId, accessKeySecret: sts.AccessKeySecret, stsToken: sts.SecurityToken, bucket, endpoint, region: 'oss-cn-hangzhou' })
      await client.put!('alice/browser.txt', new Blob(['from chromium']))
      const read = async (url: unknown) => {
        const res = await fetch(url as string)
        return `${res.status} ${await res.text()}`
      }
      const v1 = client.signatureUrl!('alice/browser.txt', { expires: 600 }) as string
      const v4 = await client.signatureUrlV4!('GET', 600, undefined, 'alice/browser.txt')
      const asyncUrl = await client.asyncSignatureUrl!('alice/browser.txt', { expires: 600 })
      const appended = (await client.append!('alice/browser.log', new Blob(['a']))) as { nextAppendPosition: string }
      return { host: new URL(v1).host, v1: await read(v1), v4: await read(v4), async: await read(asyncUrl), next: appended.nextAppendPosition }
    }, { sts, endpoint, bucket: 'app-base-oss' })
    expect(results).toEqual({ host: `app-base-oss.localhost:${new URL(fixture.server.ossUrl).port}`, v1: '200 from chromium', v4: '200 from chromium', async: '200 from chromium', next: '1' })
    await page.close()
  })
})
