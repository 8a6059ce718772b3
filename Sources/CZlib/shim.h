// zlib (zlib1g-dev): the Parquet reader's GZIP pages. inflateInit2 is a macro; re-exported here.
#include <zlib.h>

static inline int czlib_inflate_init_gzip(z_stream *stream) { return inflateInit2(stream, 15 + 16); }
