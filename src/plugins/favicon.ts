/** Agora's icon: a temple front, as on an agora. */
export const FAVICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d4e89"/><path fill="#fff" d="M16 4l12 7H4zM6 13h3v10H6zm5 0h3v10h-3zm7 0h3v10h-3zm5 0h3v10h-3zM4 24h24v4H4z"/></svg>'

/** The same icon as a 32×32 PNG in an ICO: browsers ask for /favicon.ico on pages that name no icon (JSON answers). */
export const FAVICON_ICO = Buffer.from(
  'AAABAAEAICAAAAEAIAA8AgAAFgAAAIlQTkcNChoKAAAADUlIRFIAAAAgAAAAIAgGAAAAc3p69AAAAfFJREFUeJzsl00oZWEYx//vue+YzEyZaWqu+bjuYmY5bGYW01goC7fEdRWxQSgJhRJXWSr3SMmCpChfRZSvEhbKgiwoYcniEu5VQvkI59zXe47It3N9nGNxf4vT877vc3r+5znvec7zUlzie7yYRggcBPjHh9/wvKwzYJox9K8NlbWfTxLl8jW2xkpNUhMIiYEeMDYmyTRnY7jELShjSuVO3YIr8Fj8gTtU0xInZkJAC4zAhyzKBKQQ+E+YOQSVuWdJq2gcw4p3F/6ixrbEuzw8JWatNwW/fYPi1Ehk2f8giJrUuWNJRsvgLGq7JnF4dALN' +
  'MOYlFrvItPonRf+GMz0KXz69v3V9c3sfrrYJ9I4vQiuaBIT/NKMqz4aIX6HQwvySB+UNo1hY9j7oe6+AzyHvUJ4RheTocP6W4Bf8e0fP+AKqWiewtXsAvwRQk4Bs+18UpvzHh+AgPIW9w2PUdU+heXAGkux7WEBkhBWufBusoR/xnLg9O3DWj2Jy3n2/AL0RYDD0roWVgdILOyyh+s65x/qfY3gGAgICAgICAgIM/xfcKMWXy+dLcL0kv4I9wBtDGAWPLTBC5mAQSmzelosOfkDrgxEwJKqt5g+7OMING/SEsYHVIadD3YQ+JhdxNUfQCQa255NIgWJfabaNOJ6fAgAA//+OlLBfAAAABklEQVQDAAhcrQ7qYXv2AAAAAElFTkSuQmCC',
  'base64'
)
