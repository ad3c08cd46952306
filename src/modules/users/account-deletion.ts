import type { Kysely } from 'kysely'
import type { Database } from '../../db/tables.js'
import { listUploadIdsOfUser } from '../uploads/uploads.repository.js'
import { removeFiles, storedPath } from '../uploads/upload-storage.js'
import { deleteUser } from './users.repository.js'

/**
 * Deletes a user and everything of theirs: rows go by cascade, their uploaded files once
 * that has committed. True when there was such a user.
 */
export async function deleteAccount (db: Kysely<Database>, uploadDir: string, userId: number): Promise<boolean> {
  const { deleted, uploadIds } = await db.transaction().execute(async (trx) => {
    const uploadIds = await listUploadIdsOfUser(trx, userId)
    return { deleted: await deleteUser(trx, userId), uploadIds }
  })
  await removeFiles(uploadIds.map((id) => storedPath(uploadDir, id)))
  return deleted
}
