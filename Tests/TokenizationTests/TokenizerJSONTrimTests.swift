import Foundation
import TestSupport
import Testing
import Tokenization

/// `TokenizerJSON.trimmed` on the parity fixtures (Unigram, cased / uncased / whitespace
/// WordPiece, byte-level BPE): trimmed to the tokens of every 10th test line, every one of those
/// lines gives the same tokens under new ids (mapped back, the old ids), the specials stay, and
/// other lines still tokenize to ids of the trimmed vocabulary.
@Suite struct TokenizerJSONTrimTests {
  static let fixtures = ["unigram-mixed", "wordpiece-cased", "wordpiece-uncased", "wordpiece-whitespace", "bpe-bytelevel"]

  @Test(arguments: fixtures) func corpusLinesKeepTheirTokens(_ name: String) throws {
    let lines = try TokenizerJSONParity.lines("lines.txt")
    // every 10th line (each kind of text the fixture holds) is the corpus, the lines 5 after them the others
    let corpus = stride(from: 0, to: lines.count, by: 10).map { lines[$0] }
    let others = stride(from: 5, to: lines.count, by: 10).map { lines[$0] }
    let full = try TokenizerJSON(path: TokenizerJSONParity.directory + "/\(name).json")
    let used = Set(corpus.flatMap { full.encode($0) })
    let (data, oldIds) = try full.trimmed(keeping: used)
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("tokenizer.json").path
    try data.write(to: URL(fileURLWithPath: path))
    let trimmed = try TokenizerJSON(path: path)
    #expect(trimmed.vocabularySize == oldIds.count && oldIds.count < full.vocabularySize)
    #expect(oldIds == oldIds.sorted() && used.isSubset(of: Set(oldIds)))
    var mismatches = 0
    for line in corpus where trimmed.encode(line).map({ oldIds[Int($0)] }) != full.encode(line) {
      if mismatches < 3 { Issue.record("\(name): \(line.debugDescription) tokenizes differently") }
      mismatches += 1
    }
    #expect(mismatches == 0, "\(name): \(mismatches) corpus lines tokenize differently")
    // specials: the post-processor's ids are the same tokens, added tokens keep their text
    let specials = { (t: TokenizerJSON) in
      t.postProcessor.single.flatMap { p -> [Int32] in if case .special(let ids, _) = p { ids } else { [] } }
    }
    #expect(specials(trimmed).map { oldIds[Int($0)] } == specials(full))
    for (content, id) in full.specialTokens { #expect(trimmed.id(of: content).map { oldIds[Int($0)] } == id, "\(name): \(content)") }
    #expect(trimmed.unknownId.map { oldIds[Int($0)] } == full.unknownId)
    // other text: ids of the trimmed vocabulary; a byte-level BPE loses nothing (its alphabet is kept)
    let tokens = try trimmed.tokens(), fullTokens = try full.tokens()
    for line in others {
      let ids = trimmed.encode(line)
      #expect(ids.allSatisfy { $0 >= 0 && Int($0) < trimmed.vocabularySize })
      if name == "bpe-bytelevel" {
        #expect(ids.map { tokens[$0]! }.joined() == full.encode(line).map { fullTokens[$0]! }.joined(), "\(line.debugDescription)")
      }
    }
  }
}
