import Foundation
import TestSupport
import Testing
import Tokenization

/// A length limit that leaves no room for `<s>` and `</s>` (or, for a pair, its four special
/// tokens) is an error naming the limit, not a trap.
@Suite(.needsRealModel) struct TokenizerLimitTests {
  static let model = Fixtures.realModelReady ? try? SentencePieceModel(path: Fixtures.e5Model + "/sentencepiece.bpe.model") : nil

  @Test func aTokenizerNeedsAMaximumLengthOfTwo() throws {
    for n in [-1, 0, 1] {
      let e = try #require(throws: TokenizationError.self) { try Tokenizer(model: Self.model!, maxLength: n) }
      #expect("\(e)" == "maximum length \(n): it must be at least 2 (<s> and </s>)")
    }
    #expect(try Tokenizer(model: Self.model!, maxLength: 2).encode("고양이") == [0, 2])
  }

  @Test func encodeAndComposeRefuseLimitsBelowTwo() throws {
    let tok = try Tokenizer(model: Self.model!, maxLength: 512)
    for n in [0, 1] {
      let e = try #require(throws: TokenizationError.self) { try tok.encode("고양이", prefix: "query: ", maxLength: n) }
      #expect("\(e)" == "maximum length \(n): it must be at least 2 (<s> and </s>)")
      #expect(throws: TokenizationError.self) { try tok.compose(prefix: [5], text: [6, 7], maxLength: n) }
    }
    #expect(try tok.compose(prefix: [5], text: [6, 7], maxLength: 3) == [0, 5, 2])
  }

  @Test func pairsNeedFourTokens() throws {
    let tok = try Tokenizer(model: Self.model!, maxLength: 512)
    let e = try #require(throws: TokenizationError.self) { try tok.composePair([5], [6], maxLength: 3) }
    #expect("\(e)" == "maximum length 3: a pair needs at least 4 (<s> a </s></s> b </s>)")
    #expect(try tok.composePair([5], [6], maxLength: 4) == [0, 2, 2, 2])
    #expect(throws: TokenizationError.self) { try Tokenizer(model: Self.model!, maxLength: 3).encodePair("a", "b") }
  }
}
