#include "csentencepiece.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

struct csp_processor {
  sentencepiece::SentencePieceProcessor sp;
};

static void write_err(char *err, size_t err_len, const std::string &msg) {
  if (!err || err_len == 0) return;
  size_t n = msg.size() < err_len - 1 ? msg.size() : err_len - 1;
  std::memcpy(err, msg.data(), n);
  err[n] = 0;
}

// libsentencepiece throws C++ exceptions on some damaged models (its trie builder on a piece
// holding NUL bytes, allocation failures): none may cross into Swift, which cannot catch them
// (std::terminate). Each entry point turns them into its error return.
static void write_exception(char *err, size_t err_len) {
  try {
    throw;
  } catch (const std::exception &e) {
    write_err(err, err_len, std::string("sentencepiece failed: ") + e.what());
  } catch (...) {
    write_err(err, err_len, "sentencepiece failed with an unknown C++ exception");
  }
}

csp_processor *csp_load_file(const char *path, char *err, size_t err_len) {
  csp_processor *p = nullptr;
  try {
    p = new csp_processor();
    auto status = p->sp.Load(path);
    if (!status.ok()) {
      write_err(err, err_len, status.ToString());
      delete p;
      return nullptr;
    }
    return p;
  } catch (...) {
    write_exception(err, err_len);
    delete p;
    return nullptr;
  }
}

void csp_free(csp_processor *p) { delete p; }

int csp_piece_size(const csp_processor *p) { return p->sp.GetPieceSize(); }

int csp_id_to_piece(const csp_processor *p, int id, char *out, size_t out_len) {
  if (id < 0 || id >= p->sp.GetPieceSize()) return -1;
  const std::string &s = p->sp.IdToPiece(id);
  write_err(out, out_len, s);
  return static_cast<int>(s.size());
}

int csp_encode(const csp_processor *p, const char *text, size_t len, int32_t *out, int cap,
               char *err, size_t err_len) {
  std::vector<int> ids;
  try {
    auto status = p->sp.Encode(std::string(text, len), &ids);
    if (!status.ok()) {
      write_err(err, err_len, status.ToString());
      return -1;
    }
  } catch (...) {
    write_exception(err, err_len);
    return -1;
  }
  int n = static_cast<int>(ids.size());
  for (int i = 0; i < n && i < cap; i++) out[i] = ids[i];
  return n;
}

namespace {
class VectorIterator : public sentencepiece::SentenceIterator {
 public:
  VectorIterator(const char *const *s, int n) : s_(s), n_(n) {}
  bool done() const override { return i_ >= n_; }
  void Next() override { i_++; }
  const std::string &value() const override {
    value_ = s_[i_];
    return value_;
  }
  sentencepiece::util::Status status() const override { return sentencepiece::util::Status(); }

 private:
  const char *const *s_;
  int n_;
  int i_ = 0;
  mutable std::string value_;
};
}  // namespace

int csp_train(const char *args, const char *const *sentences, int n_sentences, char **model,
              size_t *model_len, char *err, size_t err_len) {
  VectorIterator it(sentences, n_sentences);
  std::string proto;
  // The trainer logs to stderr before it parses --minloglevel; keep the library quiet.
  fflush(stderr);
  int saved = dup(2);
  int devnull = open("/dev/null", O_WRONLY);
  if (devnull >= 0) dup2(devnull, 2);
  sentencepiece::util::Status status;
  bool threw = false;
  try {
    status = sentencepiece::SentencePieceTrainer::Train(args, &it, &proto);
  } catch (...) {
    write_exception(err, err_len);
    threw = true;
  }
  fflush(stderr);
  if (saved >= 0) { dup2(saved, 2); close(saved); }
  if (devnull >= 0) close(devnull);
  if (threw) return -1;
  if (!status.ok()) {
    write_err(err, err_len, status.ToString());
    return -1;
  }
  char *buf = static_cast<char *>(std::malloc(proto.size() ? proto.size() : 1));
  std::memcpy(buf, proto.data(), proto.size());
  *model = buf;
  *model_len = proto.size();
  return 0;
}

void csp_free_buffer(char *buffer) { std::free(buffer); }
