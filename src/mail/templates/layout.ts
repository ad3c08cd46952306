import { escapeHtml } from '../escape.js'

export interface RenderedMail {
  subject: string
  text: string
  html: string
}

/** The HTML frame around every mail's body. `bodyHtml` must already be escaped; the title is escaped here. */
export function htmlLayout (title: string, bodyHtml: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>' + escapeHtml(title) + '</title></head>',
    '<body style="font-family: sans-serif; line-height: 1.5; color: #222">',
    bodyHtml,
    '<p style="color: #777; font-size: 0.9em">— The Agora team</p>',
    '</body>',
    '</html>'
  ].join('\n')
}
