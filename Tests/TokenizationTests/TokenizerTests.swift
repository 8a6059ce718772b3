import Foundation
import TestSupport
import Testing
import TextFiles
import Tokenization

/// The XLM-R tokenizer: `<s> … </s>` truncation, pairs, and the error for a bad model file.
@Suite struct TokenizerTests {
  static let model = Fixtures.realModelReady ? try? SentencePieceModel(path: Fixtures.e5Model + "/sentencepiece.bpe.model") : nil
  static let data = Fixtures.root.path + "/data/kornlu"

  @Test func unreadableTokenizerModel() throws {
    let path = Fixtures.temporaryDirectory().appendingPathComponent("sentencepiece.bpe.model").path
    try Data("this is not a model".utf8).write(to: URL(fileURLWithPath: path))
    let e = #expect(throws: TokenizationError.self) { try SentencePieceModel(path: path) }
    #expect("\(e!)".contains(path) && "\(e!)".contains("tokenizer"))
    let missing = #expect(throws: TokenizationError.self) { try SentencePieceModel(path: path + ".missing") }
    #expect("\(missing!)".contains("not found"))
  }

  /// `encode` is `<s>`, the first `maxLength − 2` piece ids of prefix + text, `</s>`, which is
  /// `compose` of those ids; on 400 KorSTS and KorNLI sentences, with and without a prefix.
  @Test(.needsRealModel, .needsKorNLU)
  func encodeTruncatesAsCompose() throws {
    let tok = try Tokenizer(model: Self.model!, maxLength: 512)
    let rows = try TextLines.readTSV(path: Self.data + "/KorSTS/sts-dev.tsv", required: ["sentence1", "sentence2"]).prefix(100)
      + TextLines.readTSV(path: Self.data + "/KorNLI/xnli.dev.ko.tsv", required: ["sentence1", "sentence2"]).prefix(100)
    let texts = rows.flatMap { [$0["sentence1"]!, $0["sentence2"]!] }
    #expect(texts.count == 400)
    var mismatches: [String] = []
    for text in texts {
      for prefix in ["", "query: "] {
        let ids = tok.pieceIds(prefix + text)
        for limit in [2, 3, 8, 16, 64, 512, 1000] {
          let expected = [0] + ids.prefix(min(limit, 512) - 2) + [2]
          if try tok.encode(text, prefix: prefix, maxLength: limit) != expected
            || tok.compose(prefix: [], text: ids, maxLength: limit) != expected
          {
            mismatches.append("\(limit) \(prefix)\(text)")
          }
        }
      }
      let short = try Tokenizer(model: Self.model!, maxLength: 8)
      if try short.encode(text, prefix: "query: ") != tok.encode(text, prefix: "query: ", maxLength: 8) {
        mismatches.append("tokenizer maxLength 8: \(text)")
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    #expect(texts.contains { tok.pieceIds($0).count > 14 }, "some texts must be truncated at 16")
  }

  @Test(.needsRealModel)
  func pairsAreComposedAndTruncatedLongestFirst() throws {
    let tok = try Tokenizer(model: Self.model!, maxLength: 12)
    #expect(try tok.composePair([5, 6], [7]) == [0, 5, 6, 2, 2, 7, 2])
    // 8 content tokens fit in 12: the longer side loses from its end first, b on a tie
    #expect(try tok.composePair([10, 11, 12, 13, 14, 15, 16], [20, 21, 22]) == [0, 10, 11, 12, 13, 14, 2, 2, 20, 21, 22, 2])
    #expect(try tok.composePair([10, 11, 12, 13, 14], [20, 21, 22, 23, 24]) == [0, 10, 11, 12, 13, 2, 2, 20, 21, 22, 23, 2])
    #expect(try tok.encodePair("고양이", "개") == tok.composePair(tok.pieceIds("고양이"), tok.pieceIds("개")))
  }
}
