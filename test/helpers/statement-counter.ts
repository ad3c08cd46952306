import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely'

/**
 * Counts the statements run through the Kysely instance it is added to (`db.withPlugin`). SQLite's
 * reads outside a transaction skip Kysely (prepared-query.ts): count on PostgreSQL.
 */
export class StatementCounter implements KyselyPlugin {
  statements = 0

  transformQuery ({ node }: PluginTransformQueryArgs): RootOperationNode { return node }

  async transformResult ({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.statements++
    return result
  }
}
