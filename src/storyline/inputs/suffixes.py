"""Which file names are which input format (the readers themselves load their libraries only when used)."""

TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
RECORD_SUFFIXES = {".jsonl", ".ndjson", ".json"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | RECORD_SUFFIXES

FEED_SUFFIXES = (".rss", ".atom", ".xml")
WARC_SUFFIXES = (".warc", ".warc.gz")
SHARD_SUFFIXES = (".parquet",)
URL_LIST_SUFFIXES = (".urls",)
LINE_SHARD_SUFFIXES = (".jsonl", ".ndjson")  # streamed when larger than --max-bytes
CORPUS_SUFFIXES = FEED_SUFFIXES + WARC_SUFFIXES + SHARD_SUFFIXES + URL_LIST_SUFFIXES
