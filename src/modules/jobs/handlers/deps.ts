import type { Kysely } from 'kysely'
import type { Database } from '../../../db/tables.js'
import type { Mailer } from '../../../mail/mailer.js'

/** What the mail handlers work with. */
export interface MailJobDeps {
  db: Kysely<Database>
  mailer: Mailer
}
