// Who is signed in: the access token, the refresh token, a display name and whether it is a
// guest, kept in session storage so a reload keeps the session and closing the tab ends it.
const KEY = 'ossvend-session'

function read() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null')
  } catch {
    return null
  }
}

export const session = {
  get token() {
    return read()?.token ?? null
  },
  get refreshToken() {
    return read()?.refreshToken
  },
  get user() {
    return read()?.user ?? null
  },
  get guest() {
    return read()?.guest === true
  },
  get signedIn() {
    return Boolean(read()?.token)
  },
  start({ token, refreshToken, user, guest = false }) {
    sessionStorage.setItem(KEY, JSON.stringify({ token, refreshToken, user, guest }))
  },
  /** Forgets everything this tab kept (session storage only; upload checkpoints stay). */
  clear() {
    sessionStorage.clear()
  },
}
