// The page's entry module: wires the views to the page and shows the current state.
import { bindBrowser } from './browser-view.js'
import { bindDialogs } from './dialogs.js'
import { $ } from './dom.js'
import { bindSignIn, show } from './signin-view.js'
import { clearFinished } from './upload-queue.js'

bindSignIn()
bindBrowser()
bindDialogs()
$('clear-finished').addEventListener('click', clearFinished)
show()
