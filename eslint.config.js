import neostandard from 'neostandard'

const TOP = ['app', 'server', 'api-components', 'cli', 'cluster', 'lifecycle']
const INFRASTRUCTURE = ['plugins', 'http', 'jobs', 'mail', 'schemas', 'db']

/**
 * The layers of src/, each importing only from the layers below it (src/README.md):
 * app.ts, server.ts, cli/ → modules/ (features) → plugins/, http/, jobs/, mail/,
 * schemas/, db/ → errors/ → lib/, config.ts. `from` lists what a layer must not import.
 */
const LAYERS = [
  { files: ['src/modules/**'], from: TOP },
  { files: INFRASTRUCTURE.map((folder) => `src/${folder}/**`), from: [...TOP, 'modules'] },
  { files: ['src/errors/**'], from: [...TOP, 'modules', ...INFRASTRUCTURE] },
  { files: ['src/lib/**', 'src/config.ts'], from: [...TOP, 'modules', ...INFRASTRUCTURE, 'errors'] }
]

/** A relative import that reaches `name`: a folder of src/, or a file at its top (app.ts). */
function reaching (name) {
  return `^(\\.\\.?/)+${name}(/|\\.js$)`
}

export default [
  ...neostandard({
    ts: true,
    // clients/typescript/src is generated (npm run client) in @hey-api/openapi-ts's own style.
    ignores: ['dist/**', 'coverage/**', 'data/**', 'clients/typescript/src/**']
  }),
  {
    rules: {
      // Code lines at most 120 characters, comments too. A line that holds a string, a
      // template or a regular expression may run longer, so that a message, a description
      // or SQL is never split mid-sentence, and so may a URL.
      '@stylistic/max-len': ['error', {
        code: 120,
        ignoreStrings: true,
        ignoreTemplateLiterals: true,
        ignoreRegExpLiterals: true,
        ignoreUrls: true
      }]
    }
  },
  ...LAYERS.map(({ files, from }) => ({
    files,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: from.map((name) => ({
          regex: reaching(name),
          message: `${files.join(', ')} must not import ${name}: dependencies point down the layers ` +
            '(src/README.md). A plugin that needs something from a feature gets it as an option from app.ts.'
        }))
      }]
    }
  }))
]
