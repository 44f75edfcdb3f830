// The script-tag build's widget loader: dist/northstar-widget.js, from where
// this script came from (the collector, usually), defines `northstarWidget`.
import type { Widget } from '../widget/types'

/** Where northstar.js was served from, read while it runs (currentScript is null later). */
const from = (document.currentScript as HTMLScriptElement | null)?.src.replace(/[^/]*$/, '')
/** Loaded once per page; a failed load is tried again at the next survey. */
let loading: Promise<Widget> | undefined

export const loadWidget = (host: string, nonce?: string) =>
  (loading ??= new Promise<Widget>((resolve, reject) => {
    const script = document.createElement('script')
    script.src = `${from || `${host}/`}northstar-widget.js`
    if (nonce) script.nonce = nonce
    script.onload = () => resolve((window as { northstarWidget?: Widget }).northstarWidget!)
    script.onerror = () => {
      loading = undefined
      script.remove()
      reject(new Error(`${script.src} did not load`))
    }
    document.head.append(script)
  }))
