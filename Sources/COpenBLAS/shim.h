#include <cblas.h>
// glibc's mallopt, to keep large activation buffers on the heap between training steps (Tensor.swift)
#include <malloc.h>
