import { describe, expect, it } from 'vitest'
import { checkProcess, DEFAULT_PROCESS_OPERATIONS } from '../../../src/oss/process-param.js'

const ref = (key: string) => Buffer.from(key).toString('base64url')
const withWatermark = [...DEFAULT_PROCESS_OPERATIONS, 'watermark']

describe('x-oss-process on signed URLs', () => {
  it('allows the listed image operations, chained, with their parameters', () => {
    expect(checkProcess('image/resize,w_200', DEFAULT_PROCESS_OPERATIONS, 'alice/')).toMatchObject({ ok: true, steps: [{ kind: 'image', name: 'resize', params: [['w', '200']] }] })
    expect(checkProcess('image/resize,m_lfit,w_100,h_100/quality,q_80/format,webp/auto-orient,1', DEFAULT_PROCESS_OPERATIONS, 'alice/').ok).toBe(true)
    expect(checkProcess('image/info', DEFAULT_PROCESS_OPERATIONS, 'alice/').ok).toBe(true)
  })

  it('refuses operations the configuration does not list, and other kinds unless listed qualified', () => {
    expect(checkProcess(`image/watermark,image_${ref('alice/logo.png')}`, DEFAULT_PROCESS_OPERATIONS, 'alice/')).toMatchObject({ ok: false, reason: expect.stringContaining('image/watermark is not allowed') })
    expect(checkProcess('video/snapshot,t_1000', DEFAULT_PROCESS_OPERATIONS, 'alice/').ok).toBe(false)
    expect(checkProcess('video/snapshot,t_1000', ['video/snapshot'], 'alice/').ok).toBe(true)
    expect(checkProcess('style/thumb', DEFAULT_PROCESS_OPERATIONS, 'alice/').ok).toBe(false)
    expect(checkProcess('sys/saveas,o_eA', DEFAULT_PROCESS_OPERATIONS, 'alice/').ok).toBe(false)
  })

  it('refuses malformed strings', () => {
    for (const text of ['image', 'image/', 'image/Resize', 'image/resize,w_1;x', 'image/resize,w_2 0', 'image//resize', 'IMAGE/resize', `image/${'resize/'.repeat(17)}`]) {
      expect(checkProcess(text, DEFAULT_PROCESS_OPERATIONS, 'alice/').ok, text).toBe(false)
    }
  })

  it('never lets an object reference leave the caller\'s prefix, nested processing included', () => {
    expect(checkProcess(`image/watermark,image_${ref('alice/logo.png')},g_se`, withWatermark, 'alice/').ok).toBe(true)
    expect(checkProcess(`image/watermark,image_${ref('bob/x')}`, withWatermark, 'alice/')).toMatchObject({ ok: false, reason: expect.stringContaining('outside your prefix') })
    for (const key of ['alice/../bob/x', '/alice/x', 'alice//x', 'alicebob/x', 'alice/./x', 'alice\\x']) {
      expect(checkProcess(`image/watermark,image_${ref(key)}`, withWatermark, 'alice/').ok, key).toBe(false)
    }
    expect(checkProcess(`image/watermark,image_${ref('alice/logo.png?x-oss-process=image/resize,P_30')}`, withWatermark, 'alice/').ok).toBe(true)
    const nested = ref(`alice/logo.png?x-oss-process=image/watermark,image_${ref('bob/x')}`)
    expect(checkProcess(`image/watermark,image_${nested}`, withWatermark, 'alice/').ok).toBe(false)
    expect(checkProcess(`image/watermark,image_${ref('alice/l.png?acl')}`, withWatermark, 'alice/').ok).toBe(false)
    // Standard base64 (with + or /) is not the URL-safe form OSS reads.
    expect(checkProcess('image/watermark,image_Ym9iL3g+Lw', withWatermark, 'alice/').ok).toBe(false)
  })
})
