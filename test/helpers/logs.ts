import { pino, type Logger } from 'pino'

export interface LogCapture {
  /** Pass as `buildTestApp(t, dialect, {}, { loggerInstance: logs.logger })`. */
  logger: Logger
  /** Everything logged so far, as written. */
  text (): string
  /** Everything logged so far, one parsed object per line. */
  lines (): Array<Record<string, any>>
}

/**
 * A pino logger at `trace` that keeps its output in memory. It has no redaction of its
 * own, so a secret that shows up here was handed to the logger by the app.
 */
export function captureLogs (): LogCapture {
  const chunks: string[] = []
  const logger = pino({ level: 'trace' }, { write (chunk: string) { chunks.push(chunk) } })
  const text = (): string => chunks.join('')
  return {
    logger,
    text,
    lines: () => text().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line))
  }
}
