import { describe, it, type TestContext } from 'node:test'
import { escapeHtml, singleLine } from '../../src/mail/escape.js'
import { passwordResetMail } from '../../src/mail/templates/password-reset.js'
import { welcomeMail } from '../../src/mail/templates/welcome.js'

const hostileName = '<script>alert("x")</script> & Co\r\nBcc: victim@example.com'

describe('mail templates', () => {
  it('welcome: the name escaped in HTML, on one line, never in the subject', (t: TestContext) => {
    const mail = welcomeMail({ name: hostileName })
    t.assert.strictEqual(mail.subject, 'Welcome to Agora')
    t.assert.ok(mail.html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co Bcc: victim@example.com'))
    t.assert.ok(!mail.html.includes('<script>'))
    t.assert.ok(mail.text.startsWith('Hello <script>alert("x")</script> & Co Bcc: victim@example.com,\n'))
    t.assert.ok(!/\r/.test(mail.text))
    t.assert.ok(!/\nBcc:/.test(mail.text))
  })

  it('password reset: the token and its lifetime in both bodies', (t: TestContext) => {
    const mail = passwordResetMail({ name: 'Ada', token: 'tok-123_abc', validMinutes: 30 })
    t.assert.strictEqual(mail.subject, 'Reset your Agora password')
    for (const body of [mail.text, mail.html]) {
      t.assert.ok(body.includes('tok-123_abc'))
      t.assert.ok(body.includes('30 minutes'))
      t.assert.ok(body.includes('Ada'))
    }
    t.assert.ok(passwordResetMail({ name: hostileName, token: 't', validMinutes: 30 }).html.includes('&lt;script&gt;'))
  })

  it('escapeHtml and singleLine', (t: TestContext) => {
    t.assert.strictEqual(escapeHtml('<a href="x">\'&\'</a>'), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
    t.assert.strictEqual(singleLine(' a\r\nb\rc\nd\u2028e '), 'a b c d e')
  })
})
