// The page's entry module: wires the views to the page and shows the current state.
import { bindSignIn, bindUploads, show } from './views.js'

bindSignIn()
bindUploads()
show()
