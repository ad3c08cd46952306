import { loadConfig, readEnvironment, withJwtSecret, type Config } from '../config.js'

/** The configuration every command runs with: environment over `.env`, secret filled in. */
export function loadCliConfig (): Config {
  return withJwtSecret(loadConfig(readEnvironment()))
}
