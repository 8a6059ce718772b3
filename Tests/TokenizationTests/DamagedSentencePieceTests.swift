import Foundation
import TestSupport
import Testing
import Tokenization

/// Damaged SentencePiece models that libsentencepiece answers with a C++ exception instead of
/// a status: the shim turns it into an error (before, the exception reached Swift and aborted
/// the process).
@Suite struct DamagedSentencePieceTests {
  /// A model whose pieces hold NUL bytes (found by the sentencepiece fuzz harness): the trie
  /// builder throws from inside `Load`.
  @Test func pieceWithNulBytesIsAnError() throws {
    let path = Fixtures.path("damaged/sentencepiece-nul-piece.model")
    let e = #expect(throws: TokenizationError.self) { try SentencePieceModel(path: path) }
    #expect("\(e!)".contains(path))
    #expect("\(e!)".contains("sentencepiece failed"))
  }
}
