// Zstandard (libzstd-dev): the Parquet reader's ZSTD pages.
#include <zstd.h>
