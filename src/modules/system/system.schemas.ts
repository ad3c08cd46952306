import { Type } from '@sinclair/typebox'

export const HealthSchema = Type.Object({ status: Type.String({ examples: ['ok'] }) })

export const ReadinessSchema = Type.Object({
  status: Type.String({ examples: ['ok'] }),
  jobs: Type.Object({
    queued: Type.Integer({ description: 'Waiting to run, retries included' }),
    running: Type.Integer(),
    failed: Type.Integer({ description: 'Out of attempts; `agora jobs retry ID` queues one again' })
  }, { description: 'Queue depth by status' })
})
