/** Asks for a secret without echoing it. Only for a TTY: the caller checks `process.stdin.isTTY` first. */
export async function promptSecret (question: string): Promise<string> {
  const { stdin, stderr } = process
  // Echo goes off before the question shows, so an answer typed or pasted at once is not echoed.
  stdin.setRawMode(true)
  stderr.write(question)
  stdin.resume()
  stdin.setEncoding('utf8')
  try {
    return await new Promise<string>((resolve, reject) => {
      let answer = ''
      const onData = (chunk: string): void => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n') {
            stdin.off('data', onData)
            resolve(answer)
            return
          }
          if (char === '\u0003') { // Ctrl-C: raw mode swallows the signal
            stdin.off('data', onData)
            reject(new Error('Cancelled'))
            return
          }
          answer = char === '\u007f' || char === '\b' ? answer.slice(0, -1) : answer + char
        }
      }
      stdin.on('data', onData)
    })
  } finally {
    stdin.setRawMode(false)
    stdin.pause()
    stderr.write('\n')
  }
}
