// A small C ABI over libsentencepiece's C++ SentencePieceProcessor and trainer, so Swift can
// use them. Errors come back as a message in a caller-provided buffer.
#ifndef CSENTENCEPIECE_H
#define CSENTENCEPIECE_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csp_processor csp_processor;

/// Loads a model file. Returns NULL and writes a message into `err` on failure.
csp_processor *csp_load_file(const char *path, char *err, size_t err_len);
void csp_free(csp_processor *p);

int csp_piece_size(const csp_processor *p);
/// The piece string of `id`, copied into `out` (NUL-terminated); returns its byte length or -1.
int csp_id_to_piece(const csp_processor *p, int id, char *out, size_t out_len);

/// Encodes `len` bytes of UTF-8 into SentencePiece ids. Returns the number of ids; when that is
/// more than `cap`, only `cap` are written and the caller retries with a larger buffer.
/// Returns -1 on error (message in `err`).
int csp_encode(const csp_processor *p, const char *text, size_t len, int32_t *out, int cap,
               char *err, size_t err_len);

/// Trains a model from in-memory sentences with trainer arguments such as
/// "--model_type=unigram --vocab_size=50". On success returns 0 and sets *model / *model_len to a
/// malloc'ed serialized ModelProto the caller releases with csp_free_buffer.
int csp_train(const char *args, const char *const *sentences, int n_sentences, char **model,
              size_t *model_len, char *err, size_t err_len);
void csp_free_buffer(char *buffer);

#ifdef __cplusplus
}
#endif
#endif
