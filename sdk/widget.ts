// The widget chunk, imported when the first survey is due. The ESM build keeps
// this import as `./northstar-widget.mjs`; the script-tag build swaps this file
// for widget-script.ts (rollup.config.mjs).
import type { Widget } from '../widget/types'

export const loadWidget = (_base: string, _nonce?: string): Promise<Widget> => import('../widget/index')
