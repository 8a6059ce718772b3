// Snappy's C API (libsnappy-dev): the Parquet reader's SNAPPY pages.
#include <snappy-c.h>
