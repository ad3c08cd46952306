import { Type, type Static } from '@sinclair/typebox'

/** The condition a read honours: If-None-Match. */
export const IfNoneMatchHeadersSchema = Type.Object({
  'if-none-match': Type.Optional(Type.String({ description: 'An ETag from an earlier GET: 304 when it is still current' }))
})
export type IfNoneMatchHeaders = Static<typeof IfNoneMatchHeadersSchema>

/** The condition a change or a delete honours: If-Match. */
export const IfMatchHeadersSchema = Type.Object({
  'if-match': Type.Optional(
    Type.String({ description: 'The ETag the change is based on: 412 when the resource has changed since' })
  )
})
export type IfMatchHeaders = Static<typeof IfMatchHeadersSchema>

/** The 304 answer of a GET that honours If-None-Match. */
export const NotModifiedResponse = { 304: Type.Null({ description: 'Not Modified: the If-None-Match tag is current' }) }
