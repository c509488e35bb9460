// Who is signed in: the access token and a display name, kept in session storage so a reload
// keeps the session and closing the tab ends it.
const TOKEN = 'ossvend-token'
const USER = 'ossvend-user'
const KIND = 'ossvend-kind'

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN)
  },
  get user() {
    return sessionStorage.getItem(USER)
  },
  /** 'user' or 'guest'. */
  get kind() {
    return sessionStorage.getItem(KIND) ?? 'user'
  },
  get signedIn() {
    return Boolean(sessionStorage.getItem(TOKEN))
  },
  start(token, user, kind = 'user') {
    sessionStorage.setItem(TOKEN, token)
    sessionStorage.setItem(USER, user)
    sessionStorage.setItem(KIND, kind)
  },
  clear() {
    sessionStorage.clear()
  },
}
