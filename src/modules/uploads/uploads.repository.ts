import type { Kysely } from 'kysely'
import { preparedQuery } from '../../db/prepared-query.js'
import type { Database, NewUploadRow, UploadRow } from '../../db/tables.js'

type Db = Kysely<Database>

export async function insertUploads (db: Db, rows: NewUploadRow[]): Promise<UploadRow[]> {
  return await db.insertInto('uploads').values(rows).returningAll().execute()
}

const uploadById = preparedQuery((db: Db, id: string) => db.selectFrom('uploads').selectAll().where('id', '=', id))

export async function findUploadById (db: Db, id: string): Promise<UploadRow | undefined> {
  return await uploadById.executeTakeFirst(db, id)
}

/** Deletes an upload's row; true when there was one. The file is the caller's to remove. */
export async function deleteUploadById (db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('uploads').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** The ids of a user's uploads, whose files go when the user goes. */
export async function listUploadIdsOfUser (db: Db, userId: number): Promise<string[]> {
  const rows = await db.selectFrom('uploads').select('id').where('user_id', '=', userId).execute()
  return rows.map((row) => row.id)
}
