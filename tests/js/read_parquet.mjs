// Reads Parquet files with hyparquet (pure JavaScript, no Arrow code) and prints them as
// JSON: {"<file>": {"columns": [...], "rows": [[...], ...]}}. Dates are printed as
// YYYY-MM-DD, 64-bit integers as decimal strings prefixed with "int64:". Called by
// tests/test_readers.py: node read_parquet.mjs FILE...
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

function plain(value) {
  if (value instanceof Date) return value.toISOString().slice(0, 10)
  if (typeof value === 'bigint') return `int64:${value}`
  if (value === undefined) return null
  return value
}

const out = {}
for (const path of process.argv.slice(2)) {
  const file = await asyncBufferFromFile(path)
  const metadata = await parquetMetadataAsync(file)
  const columns = metadata.schema.slice(1).map(s => s.name)
  let rows = []
  await parquetRead({
    file,
    metadata,
    compressors,
    rowFormat: 'array',
    onComplete: data => { rows = data.map(row => Array.from(row, plain)) },
  })
  out[path] = { columns, rows }
}
process.stdout.write(JSON.stringify(out))
