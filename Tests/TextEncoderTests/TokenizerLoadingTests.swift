import Foundation
import TestSupport
import Testing
import TextEncoder
import Tokenization

/// A model directory whose sentence_bert_config.json gives a max_seq_length below 2 is refused,
/// naming the file and the key, instead of trapping in the tokenizer.
@Suite(.needsRealModel) struct TokenizerLoadingTests {
  func directory(maxSeqLength: Int) throws -> URL {
    let dir = Fixtures.temporaryDirectory()
    let e5 = URL(fileURLWithPath: Fixtures.e5Model)
    for name in ["config.json", "sentencepiece.bpe.model"] {
      try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent(name), withDestinationURL: e5.appendingPathComponent(name))
    }
    try Data("{\"max_seq_length\": \(maxSeqLength), \"do_lower_case\": false}".utf8)
      .write(to: dir.appendingPathComponent("sentence_bert_config.json"))
    return dir
  }

  @Test func maxSeqLengthBelowTwoIsRefused() throws {
    for n in [0, 1] {
      let dir = try directory(maxSeqLength: n)
      let e = try #require(throws: (any Error).self) { try Tokenizer.load(directory: dir) }
      let path = dir.appendingPathComponent("sentence_bert_config.json").path
      #expect("\(e)".contains(path) && "\(e)".contains("max_seq_length") && "\(e)".contains("at least 2"), "\(e)")
    }
    #expect(try Tokenizer.load(directory: try directory(maxSeqLength: 2)).maxLength == 2)
  }
}
