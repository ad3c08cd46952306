import type { Migration } from 'kysely'
import * as createUsers from './2026_11_24_0001_create_users.js'
import * as createJobs from './2026_11_24_0002_create_jobs.js'
import * as createAuthTables from './2026_11_24_0003_create_auth_tables.js'
import * as createProductsAndPosts from './2026_11_24_0004_create_products_and_posts.js'
import * as createIdempotencyKeys from './2026_11_24_0005_create_idempotency_keys.js'
import * as addSearchIndexes from './2026_11_24_0006_add_search_indexes.js'
import * as createUploads from './2026_11_24_0007_create_uploads.js'
import * as createRowCounts from './2026_12_03_0008_create_row_counts.js'
import * as addTagPrices from './2026_12_03_0009_add_tag_prices.js'
import * as addProductTagLists from './2026_12_04_0010_add_product_tag_lists.js'
import * as countTagsAndStock from './2026_12_04_0011_count_tags_and_stock.js'
import * as tagPricesWrittenOnce from './2026_12_04_0012_tag_prices_written_once.js'
import * as ftsMergeLessOften from './2026_12_04_0013_fts_merge_less_often.js'
import * as countPricesByBucket from './2026_12_04_0014_count_prices_by_bucket.js'
import * as countStockByTagAndPrice from './2026_12_05_0015_count_stock_by_tag_and_price.js'
import * as countTablesWithoutRowid from './2026_12_05_0016_count_tables_without_rowid.js'
import * as plannerWithoutValueSamples from './2026_12_05_0017_planner_without_value_samples.js'
import * as tagRowsCarryNameAndDate from './2026_12_05_0018_tag_rows_carry_name_and_date.js'
import * as tagRowsFromProductLists from './2026_12_05_0019_tag_rows_from_product_lists.js'
import * as dropTagRowsProductIndex from './2026_12_05_0020_drop_tag_rows_product_index.js'
import * as indexSearchRowsAtCommit from './2026_12_07_0021_index_search_rows_at_commit.js'
import * as addProductSubstringIndex from './2026_12_07_0022_add_product_substring_index.js'

/** Every migration, by name; names sort in the order they run. */
export const migrations: Record<string, Migration> = {
  '2026_11_24_0001_create_users': createUsers,
  '2026_11_24_0002_create_jobs': createJobs,
  '2026_11_24_0003_create_auth_tables': createAuthTables,
  '2026_11_24_0004_create_products_and_posts': createProductsAndPosts,
  '2026_11_24_0005_create_idempotency_keys': createIdempotencyKeys,
  '2026_11_24_0006_add_search_indexes': addSearchIndexes,
  '2026_11_24_0007_create_uploads': createUploads,
  '2026_12_03_0008_create_row_counts': createRowCounts,
  '2026_12_03_0009_add_tag_prices': addTagPrices,
  '2026_12_04_0010_add_product_tag_lists': addProductTagLists,
  '2026_12_04_0011_count_tags_and_stock': countTagsAndStock,
  '2026_12_04_0012_tag_prices_written_once': tagPricesWrittenOnce,
  '2026_12_04_0013_fts_merge_less_often': ftsMergeLessOften,
  '2026_12_04_0014_count_prices_by_bucket': countPricesByBucket,
  '2026_12_05_0015_count_stock_by_tag_and_price': countStockByTagAndPrice,
  '2026_12_05_0016_count_tables_without_rowid': countTablesWithoutRowid,
  '2026_12_05_0017_planner_without_value_samples': plannerWithoutValueSamples,
  '2026_12_05_0018_tag_rows_carry_name_and_date': tagRowsCarryNameAndDate,
  '2026_12_05_0019_tag_rows_from_product_lists': tagRowsFromProductLists,
  '2026_12_05_0020_drop_tag_rows_product_index': dropTagRowsProductIndex,
  '2026_12_07_0021_index_search_rows_at_commit': indexSearchRowsAtCommit,
  '2026_12_07_0022_add_product_substring_index': addProductSubstringIndex
}
