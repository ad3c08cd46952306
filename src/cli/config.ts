import { loadConfig, readEnvironment, withJwtSecret, type Config } from '../config.js'

/** Every command's configuration: `overrides` (command-line options) over the environment over `.env`. */
export function loadCliConfig (overrides: Record<string, string> = {}): Config {
  return withJwtSecret(loadConfig({ ...readEnvironment(), ...overrides }))
}
