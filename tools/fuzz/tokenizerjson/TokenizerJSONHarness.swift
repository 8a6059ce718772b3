import Foundation
import Tokenization

/// The tokenizer.json reader as trainer uses a model directory's `tokenizer.json`: parse it,
/// then tokenize texts as the tokenizer does for training and evaluation (single texts with a
/// prefix, truncated; pairs). The input is the file, then after a NUL byte an extra text to
/// tokenize (so that the fuzzer varies texts as well as files).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  let cut = bytes.firstIndex(of: 0) ?? size
  let file = Data(bytes[0..<cut])
  let extra = cut < size ? String(decoding: bytes[(cut + 1)...], as: UTF8.self) : ""
  // thrown errors are answers, not findings
  guard let json = try? TokenizerJSON(data: file, path: "tokenizer.json"),
    let tokenizer = try? Tokenizer(json: json, maxLength: 16)
  else { return 0 }
  for text in TokenizerJSONHarness.texts + [extra] {
    _ = try? tokenizer.encode(text, prefix: "query: ")
    _ = try? tokenizer.encode(text, maxLength: 3)
  }
  _ = try? tokenizer.encodePair(extra, TokenizerJSONHarness.texts[0])
  _ = json.id(of: extra)
  return 0
}

enum TokenizerJSONHarness {
  static let texts = [
    "그리고 그가 말했다, \"엄마, 저 왔어요.\"", "The quick brown fox's 1,234 ``tests``.", "", "  ", "ＡＢＣ ① ﬁ \u{0301}e\u{0}x 👩‍👩‍👧‍👦",
    String(repeating: "한국어 ", count: 40), "[CLS] <s> <mask> [UNK]",
  ]
}
