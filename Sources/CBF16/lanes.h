// Private to the CBF16 kernels: the lane mask of a 16-wide block.
#ifndef CBF16_LANES_H
#define CBF16_LANES_H

#include <immintrin.h>

// The mask of the lanes of the 16-column block at j that are below `count`.
static inline __mmask16 lanes(long j, long count) {
  long left = count - j;
  return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (left > 0 ? left : 0)) - 1);
}

#endif
