import neostandard from 'neostandard'

export default neostandard({
  ts: true,
  // clients/typescript/src is generated (npm run client) in @hey-api/openapi-ts's own style.
  ignores: ['dist/**', 'coverage/**', 'data/**', 'clients/typescript/src/**']
})
