import { loadConfig, readEnvironment, withJwtSecret, type Config } from '../config.js'

/**
 * The configuration every command runs with: environment over `.env`, secret filled in;
 * `overrides` (command-line options) over both.
 */
export function loadCliConfig (overrides: Record<string, string> = {}): Config {
  return withJwtSecret(loadConfig({ ...readEnvironment(), ...overrides }))
}
