// Imported before @lancedb/lancedb: the native logger reads LANCEDB_LOG when it starts, and its default
// level floods stderr with warnings (e.g. one per query that does not select `_distance`).
process.env.LANCEDB_LOG ??= 'error';
