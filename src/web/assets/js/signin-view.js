// Signing in (a built-in user, or a guest when the server allows guests) and signing out.
import * as api from './api.js'
import { forgetClients, loadAreas } from './areas.js'
import { showAreas } from './browser-view.js'
import { config } from './config.js'
import { $ } from './dom.js'
import { explainApiError } from './format.js'
import { session } from './session.js'
import { resetQueue } from './upload-queue.js'

/** Shows the sign-in form or the browser, as the session says. */
export async function show() {
  const signedIn = session.signedIn
  $('signin').hidden = signedIn
  $('guest').hidden = !config.guestsEnabled
  $('browser').hidden = !signedIn
  $('signout').hidden = !signedIn
  $('who').textContent = signedIn ? (session.guest ? 'Browsing as a guest' : `Signed in as ${session.user}`) : ''
  if (!signedIn) return
  try {
    const { areas } = await loadAreas()
    await showAreas(areas, sessionEnded)
  } catch (err) {
    if (err.status === 401) return sessionEnded()
    $('notice').textContent = `Your areas could not be loaded: ${explainApiError(err)}`
  }
}

function sessionEnded() {
  end('Your session ended. Sign in again.')
}

function end(message) {
  session.clear()
  forgetClients()
  resetQueue()
  $('notice').textContent = message
  $('listing').replaceChildren()
  show()
  $('username').focus()
}

export function bindSignIn() {
  $('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    $('signin-error').textContent = ''
    $('notice').textContent = ''
    try {
      const username = $('username').value
      const result = await api.login(username, $('password').value)
      session.start({ token: result.accessToken, refreshToken: result.refreshToken, user: username.toLowerCase() })
      $('password').value = ''
      await show()
      $('main').focus()
    } catch (err) {
      $('signin-error').textContent = err.status === 429 ? 'Too many failed attempts. Wait a while and try again.' : err.status === 401 || err.status === 400 ? 'The user name or password is not right.' : explainApiError(err)
    }
  })
  $('guest-button').addEventListener('click', async () => {
    $('signin-error').textContent = ''
    try {
      const result = await api.guest()
      session.start({ token: result.accessToken, user: 'guest', guest: true })
      await show()
      $('main').focus()
    } catch (err) {
      $('signin-error').textContent = `Guest access failed: ${explainApiError(err)}`
    }
  })
  $('signout').addEventListener('click', async () => {
    // The server ends the token and its session; the page forgets it whatever the answer.
    await api.logout(session.refreshToken).catch(() => undefined)
    end('You are signed out.')
  })
}
