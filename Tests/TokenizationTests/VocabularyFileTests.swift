import Foundation
import TestSupport
import Testing

@testable import Tokenization

/// vocab.txt-only BERT tokenizers (tools/reference/bert_family.py, Tests/Fixtures/tokenizers/
/// vocab-txt): the tokenizer.json made of vocab.txt and tokenizer_config.json gives the ids of
/// transformers' BertTokenizerFast with those settings on the parity lines and pairs.
@Suite struct VocabularyFileTests {
  static func tokenizer(_ name: String) throws -> TokenizerJSON {
    let dir = TokenizerJSONParity.directory + "/vocab-txt/" + name
    let vocab = try Data(contentsOf: URL(fileURLWithPath: dir + "/vocab.txt"))
    let config = try Data(contentsOf: URL(fileURLWithPath: dir + "/tokenizer_config.json"))
    let json = try TokenizerJSON.bertJSON(
      vocabulary: vocab, vocabularyPath: dir + "/vocab.txt", config: config, configPath: dir + "/tokenizer_config.json")
    return try TokenizerJSON(data: json, path: dir + "/vocab.txt")
  }

  /// uncased: all-MiniLM-L6-v2's vocab.txt and config; cased: do_lower_case false; both against
  /// the ids BertTokenizerFast gives, which the script checked equal the tokenizer.json fixtures';
  /// cased-strip: strip_accents true, tokenize_chinese_chars false.
  @Test(arguments: [("uncased", "wordpiece-uncased", 10_200), ("cased", "wordpiece-cased", 10_200), ("cased-strip", "vocab-txt/cased-strip/expected", 3_000)])
  func idsMatchBertTokenizerFast(name: String, expected: String, count: Int) throws {
    let tok = try Self.tokenizer(name)
    let lines = try TokenizerJSONParity.compareLines(name: expected) { tok.postProcessor.apply(tok.encode($0)).ids }
    #expect(lines.compared == count)
    #expect(lines.differences.isEmpty, "\(name): \(lines.differences.count) of \(lines.compared) lines differ:\n\(lines.differences.filter { !$0.isEmpty }.joined(separator: "\n"))")
    let pairs = try TokenizerJSONParity.comparePairs(name: expected) { tok.postProcessor.apply(tok.encode($0), tok.encode($1)) }
    #expect(pairs.compared == 300)
    #expect(pairs.differences.isEmpty, "\(name): \(pairs.differences.count) pairs differ:\n\(pairs.differences.filter { !$0.isEmpty }.joined(separator: "\n"))")
  }

  @Test func settingsChangeTheIds() throws {
    let uncased = try Self.tokenizer("cased"), strip = try Self.tokenizer("cased-strip")
    #expect(uncased.encode("Café 漢字") != strip.encode("Café 漢字"))
  }

  @Test func linesSplitAsPythonReadlines() {
    let lines = TokenizerJSON.lines(Data("a\nb\r\nc\rd\n\ne".utf8)).map { String(decoding: $0, as: UTF8.self) }
    #expect(lines == ["a", "b", "c", "d", "", "e"])
    #expect(TokenizerJSON.lines(Data("a\n".utf8)).count == 1)
  }

  @Test func badFilesNameTheFileAndKey() throws {
    let vocab = Data("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n".utf8)
    func error(_ vocab: Data, _ config: String?) -> String {
      do {
        _ = try TokenizerJSON.bertJSON(vocabulary: vocab, vocabularyPath: "v/vocab.txt", config: config.map { Data($0.utf8) }, configPath: "v/tokenizer_config.json")
        return "no error"
      } catch { return "\(error)" }
    }
    #expect(error(vocab, nil) == "no error")
    #expect(error(vocab, #"{"do_lower_case": "yes"}"#).contains("v/tokenizer_config.json") && error(vocab, #"{"do_lower_case": "yes"}"#).contains("do_lower_case"))
    let missing = error(vocab, #"{"mask_token": "<mask>"}"#)
    #expect(missing.contains("v/vocab.txt") && missing.contains("mask_token") && missing.contains("<mask>"))
    #expect(error(vocab, #"{"tokenizer_class": "XLMRobertaTokenizer"}"#).contains("tokenizer_class"))
    #expect(error(vocab, #"{"do_basic_tokenize": false}"#).contains("do_basic_tokenize"))
    #expect(error(Data([0x5B, 0x50, 0x41, 0x44, 0x5D, 0x0A, 0xFF, 0x0A]), nil).contains("line 2"))
    #expect(error(vocab, "[1]").contains("not a JSON object"))
  }
}
