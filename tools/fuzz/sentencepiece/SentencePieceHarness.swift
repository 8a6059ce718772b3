import Tokenization

/// The SentencePiece model reader (libsentencepiece, a protobuf ModelProto) as trainer uses a
/// model directory's `sentencepiece.bpe.model`: load it, then tokenize texts as the tokenizer
/// does for training and evaluation (single texts with a prefix, truncated; pairs), and look
/// pieces up by id. libsentencepiece itself is not instrumented.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let path = FuzzInput.write(data, size, name: "sentencepiece.bpe.model")
  guard let model = try? SentencePieceModel(path: path) else { return 0 }
  // thrown errors are answers, not findings
  guard let tokenizer = try? Tokenizer(model: model, maxLength: 16) else { return 0 }
  for text in SentencePieceHarness.texts {
    _ = try? tokenizer.encode(text, prefix: "query: ")
    _ = try? tokenizer.encode(text, maxLength: 3)
  }
  _ = try? tokenizer.encodePair(SentencePieceHarness.texts[0], SentencePieceHarness.texts[1])
  _ = tokenizer.maskId
  for id in [0, 1, 2, 3, model.pieceCount - 1, model.pieceCount, -1] { _ = model.piece(id) }
  return 0
}

enum SentencePieceHarness {
  static let texts = [
    "그리고 그가 말했다, \"엄마, 저 왔어요.\"", "The quick brown fox.", "", "  ", "ＡＢＣ ① ﬁ \u{0301}e\u{0}x",
    String(repeating: "한국어 ", count: 40),
  ]
}
