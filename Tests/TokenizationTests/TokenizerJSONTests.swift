import Foundation
import TestSupport
import Testing
import Tokenization

/// tokenizer.json read by our code against Hugging Face tokenizers: every line of the 10,200
/// test lines (2,500 for the coverage tokenizers) and 300 pairs give the same ids and type ids.
@Suite struct TokenizerJSONTests {
  static let names = ["wordpiece-cased", "wordpiece-uncased", "bpe-bytelevel", "unigram-mixed", "wordpiece-whitespace"]

  @Test(arguments: names)
  func idsMatchHuggingFace(name: String) throws {
    let tok = try TokenizerJSON(path: TokenizerJSONParity.directory + "/\(name).json")
    let lines = try TokenizerJSONParity.compareLines(name: name) { tok.postProcessor.apply(tok.encode($0)).ids }
    #expect(lines.compared >= 2500)
    #expect(lines.differences.isEmpty, "\(name): \(lines.differences.count) of \(lines.compared) lines differ:\n\(lines.differences.filter { !$0.isEmpty }.joined(separator: "\n"))")
    let pairs = try TokenizerJSONParity.comparePairs(name: name) { tok.postProcessor.apply(tok.encode($0), tok.encode($1)) }
    #expect(pairs.compared == 300)
    #expect(pairs.differences.isEmpty, "\(name): \(pairs.differences.count) pairs differ:\n\(pairs.differences.filter { !$0.isEmpty }.joined(separator: "\n"))")
  }
}

/// The tokenizer.json written for multilingual-e5-small's SentencePiece model (what exports
/// carry) against the ids of transformers' own tokenizer.json for it, and errors for files this
/// reader refuses.
@Suite struct TokenizerJSONWriterTests {
  @Test(.needsRealModel)
  func writtenE5TokenizerMatchesTransformers() throws {
    let model = Fixtures.e5Model + "/sentencepiece.bpe.model"
    let json = try TokenizerJSON.xlmRobertaJSON(sentencePieceModel: Data(contentsOf: URL(fileURLWithPath: model)), path: model)
    let tok = try TokenizerJSON(data: json, path: "written tokenizer.json")
    #expect(tok.vocabularySize == 250_002)
    let lines = try TokenizerJSONParity.compareLines(name: "e5") { tok.postProcessor.apply(tok.encode($0)).ids }
    #expect(lines.compared == 10_200)
    #expect(lines.differences.isEmpty, "e5: \(lines.differences.count) of \(lines.compared) lines differ:\n\(lines.differences.filter { !$0.isEmpty }.joined(separator: "\n"))")
    let pairs = try TokenizerJSONParity.comparePairs(name: "e5") { tok.postProcessor.apply(tok.encode($0), tok.encode($1)) }
    #expect(pairs.compared == 300 && pairs.differences.isEmpty, "\(pairs.differences.filter { !$0.isEmpty })")
  }

  /// An unsupported component, a bad value and a truncated SentencePiece model each name the
  /// file and the key.
  @Test func refusedFilesNameTheKey() throws {
    let base = try String(contentsOfFile: TokenizerJSONParity.directory + "/wordpiece-cased.json", encoding: .utf8)
    let nmt = base.replacingOccurrences(of: "\"type\": \"BertNormalizer\"", with: "\"type\": \"Nmt\"")
      .replacingOccurrences(of: "\"type\":\"BertNormalizer\"", with: "\"type\":\"Nmt\"")
    let e = #expect(throws: TokenizationError.self) { try TokenizerJSON(data: Data(nmt.utf8), path: "x/tokenizer.json") }
    #expect("\(e!)".contains("x/tokenizer.json") && "\(e!)".contains("normalizer.type: \"Nmt\" is not supported"), "\(e!)")
    let regex = #"{"normalizer": {"type": "Replace", "pattern": {"Regex": "a+b"}, "content": ""}, "model": {}}"#
    let r = #expect(throws: TokenizationError.self) { try TokenizerJSON(data: Data(regex.utf8), path: "t.json") }
    #expect("\(r!)".contains("normalizer.pattern.Regex"), "\(r!)")
    let badId = #"{"model": {"type": "Unigram", "unk_id": 5, "vocab": [["a", -1.0]]}}"#
    let u = #expect(throws: TokenizationError.self) { try TokenizerJSON(data: Data(badId.utf8), path: "t.json") }
    #expect("\(u!)".contains("model.unk_id"), "\(u!)")
    let p = #expect(throws: TokenizationError.self) {
      try TokenizerJSON.xlmRobertaJSON(sentencePieceModel: Data([0x0A, 0xFF, 0x01]), path: "s.model")
    }
    #expect("\(p!)".contains("s.model"), "\(p!)")
  }
}
