import Foundation
import Recipes
import SafeTensors
import TestSupport
import Testing
import TextEncoder
import Tokenization
import Training

/// `trainer trim`'s library: a tiny model with e5's SentencePiece model trimmed on a small corpus
/// keeps the specials, gives every corpus text the same tokens under new ids and the same
/// embedding bit for bit, still tokenizes other text, refuses an existing output, and names a
/// bad corpus file.
@Suite(.serialized, .needsRealModel) struct VocabularyTrimTests {
  static let lines = [
    "한국어 문장을 토큰으로 나눈다.", "The quick brown fox jumps over the lazy dog.", "혼합 mixed 文字 ＡＢＣ 123",
    "안전모를 가진 한 남자가 춤을 추고 있다.",
  ]

  /// A tiny model and a corpus of a text file, a KorSTS-style TSV and JSON lines.
  func corpus(in dir: URL) throws -> (model: URL, specs: [String], texts: [String: Int]) {
    let model = try tinyModel(in: dir)
    let txt = dir.appendingPathComponent("corpus.txt"), tsv = dir.appendingPathComponent("sts.tsv")
    let jsonl = dir.appendingPathComponent("pairs.jsonl")
    try (Self.lines.joined(separator: "\n") + "\n\n").write(to: txt, atomically: true, encoding: .utf8)
    try "genre\tscore\tsentence1\tsentence2\nmain\t5.0\t비행기가 이륙하고 있다.\t비행기가 날고 있다.\n".write(to: tsv, atomically: true, encoding: .utf8)
    try #"{"query": "어린아이가 말을 타고 있다.", "positive": "아이가 말을 탄다.", "negatives": ["고양이가 잔다."]}"#.appending("\n")
      .write(to: jsonl, atomically: true, encoding: .utf8)
    let specs = [txt.path, tsv.path, jsonl.path]
    var texts: [String: Int] = [:]
    for s in specs { try CorpusTexts.read(s, into: &texts) }
    return (model, specs, texts)
  }

  @Test func corpusTextsKeepTheirTokensAndEmbeddings() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let (model, _, texts) = try corpus(in: dir)
    #expect(texts.count == Self.lines.count + 2 + 3)
    #expect(texts["비행기가 날고 있다."] == 1 && texts["main"] == nil && texts[""] == nil)
    let base = try SentenceEncoder(directory: model.path)
    let out = dir.appendingPathComponent("trimmed").path
    let s = try VocabularyTrim.trim(model: base, texts: texts, prompts: ["query: "], output: out)
    let trimmed = try SentenceEncoder(directory: out)
    #expect(trimmed.config.vocabSize == s.vocabularyAfter && s.vocabularyAfter < 200 && s.vocabularyBefore == base.config.vocabSize)
    #expect(s.parametersBefore - s.parametersAfter == (s.vocabularyBefore - s.vocabularyAfter) * base.config.hiddenSize)
    let pieces = try SentencePieceTrim.pieces(
      of: try Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("sentencepiece.bpe.model")), path: out)
    #expect(pieces.count + 2 == s.vocabularyAfter)
    let json = try TokenizerJSON(path: out + "/tokenizer.json")
    let all = texts.keys.sorted() + texts.keys.sorted().map { "query: " + $0 }
    for text in all {
      let old = try base.tokenizer.encode(text), new = try trimmed.tokenizer.encode(text)
      #expect(new.count == old.count, "\(text)")
      // the same tokens: each new id's row is the old id's row, piece for piece
      for (o, n) in zip(old, new) {
        #expect(o < 4 ? n == o : base.tokenizer.model?.piece(Int(o) - 1) == trimmed.tokenizer.model?.piece(Int(n) - 1), "\(text)")
      }
      #expect(json.encode(text) == trimmed.tokenizer.pieceIds(text), "tokenizer.json and the SentencePiece model agree on \(text)")
    }
    let a = try base.embed(all), b = try trimmed.embed(all)
    #expect(a == b, "the embeddings are bit for bit the same")
  }

  @Test func specialsAreKeptAndOtherTextFallsBack() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let (model, _, texts) = try corpus(in: dir)
    let base = try SentenceEncoder(directory: model.path)
    let out = dir.appendingPathComponent("trimmed").path
    _ = try VocabularyTrim.trim(model: base, texts: texts, prompts: [], output: out)
    let trimmed = try SentenceEncoder(directory: out)
    let t = trimmed.tokenizer
    #expect(t.bos == 0 && t.pad == 1 && t.eos == 2 && t.unk == 3 && t.maskId == Int32(trimmed.config.vocabSize - 1))
    let spm = try #require(t.model)
    #expect(spm.piece(0) == "<unk>" && spm.piece(1) == "<s>" && spm.piece(2) == "</s>")
    let json = try TokenizerJSON(path: out + "/tokenizer.json")
    #expect(json.id(of: "<mask>") == t.maskId && json.id(of: "<s>") == 0 && json.id(of: "<pad>") == 1)
    // outside the corpus: shorter pieces, an unknown character as <unk>
    let other = "완전히 새로운 단어들 🦜 zebra"
    let ids = try t.encode(other)
    #expect(ids.count > 4 && ids.allSatisfy { $0 >= 0 && Int($0) < trimmed.config.vocabSize })
    #expect(ids.contains(3), "a character no kept piece holds is <unk>")
    // a corpus word keeps its pieces beside unknown ones
    let known = try t.encode("한국어"), mixed = try t.encode("한국어 🦜zebra")
    #expect(Array(mixed.prefix(known.count - 1)) == Array(known.dropLast()) && mixed.count > known.count)
    #expect(json.encode(other) == t.pieceIds(other))
  }

  @Test func keepTopKeepsTheMostFrequentWritesTheCountsAndNeverOverwrites() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let (model, _, texts) = try corpus(in: dir)
    let base = try SentenceEncoder(directory: model.path)
    let out = dir.appendingPathComponent("top").path, table = dir.appendingPathComponent("counts.tsv").path
    let s = try VocabularyTrim.trim(model: base, texts: texts, prompts: [], keepTop: 5, frequencies: table, output: out)
    // <s> <pad> </s> <unk>, five pieces, the piece of lowest score, <mask>
    #expect(s.vocabularyAfter == 4 + 5 + 1 + 1)
    let rows = try String(contentsOfFile: table, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    #expect(rows.count == s.tokensSeen)
    let counts = rows.map { Int($0[2])! }
    #expect(counts == counts.sorted(by: >))
    #expect(rows.prefix(5).allSatisfy { !$0[3].isEmpty } && rows.dropFirst(5).allSatisfy { $0[3].isEmpty })
    // the most frequent piece, "▁" or the like, keeps its tokens: its new id holds its old row
    let first = rows[0]
    let trimmed = try SentenceEncoder(directory: out)
    #expect(trimmed.tokenizer.model?.piece(Int(first[3])! - 1) == String(first[1]))

    // an existing output is refused and left as it is, and no temporary directory stays behind
    let before = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
    let weights = try Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("model.safetensors"))
    #expect(throws: (any Error).self) { try VocabularyTrim.trim(model: base, texts: texts, prompts: [], output: out) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == before)
    #expect(try Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("model.safetensors")) == weights)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.contains(".tmp-") })
  }

  /// A few InfoNCE steps on the trimmed model give the weights they give on the base, bit for
  /// bit: every tensor but the table, and the table's kept rows. Without clipping: with
  /// `max_grad_norm: 1.0` this test's weights differed in the last bits (the global gradient norm
  /// is summed over a buffer whose size the table sets; not investigated further).
  @Test func trainingTheTrimmedModelGivesTheSameWeights() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let (model, specs, texts) = try corpus(in: dir)
    let trimmedDir = dir.appendingPathComponent("trimmed").path
    _ = try VocabularyTrim.trim(model: try SentenceEncoder(directory: model.path), texts: texts, prompts: ["query: "], output: trimmedDir)
    func train(_ base: String, _ name: String) throws -> [String: [Float]] {
      let text = """
        model: {base: \(base), max_length: 24, query_prefix: "query: ", passage_prefix: "query: "}
        seed: 3
        output: \(dir.path)/\(name)
        stages:
          - name: s
            data: [{format: jsonl, path: \(specs[2])}]
            loss: {kind: infonce, hard_negatives: 1}
            batch_size: 1
            steps: 2
            optimizer: {lr: 1.0e-2}
            max_grad_norm: null
        """
      let path = dir.appendingPathComponent("\(name).recipe").path
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      try TrainingRun(recipe: try Recipe.load(path: path), observer: { _ in }).run()
      let file = try SafeTensorsFile(path: dir.appendingPathComponent("\(name)/model/model.safetensors").path)
      var out: [String: [Float]] = [:]
      for name in file.names {
        var v = [Float](repeating: 0, count: file.entries[name]!.shape.reduce(1, *))
        try v.withUnsafeMutableBufferPointer { try file.copyFloats(name, into: $0.baseAddress!) }
        out[name] = v
      }
      return out
    }
    let a = try train(model.path, "base"), b = try train(trimmedDir, "trim")
    #expect(Set(a.keys) == Set(b.keys))
    let table = WeightNames.wordEmbeddings
    func close(_ x: some Collection<Float>, _ y: some Collection<Float>) -> Bool {
      x.count == y.count && zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
    for name in a.keys where name != table { #expect(close(a[name]!, b[name]!), "\(name)") }
    let trimmed = try SentenceEncoder(directory: trimmedDir), base = try SentenceEncoder(directory: model.path)
    let C = base.config.hiddenSize
    // new id → old id through the pieces of the two SentencePiece models
    var oldId: [String: Int] = [:]
    for id in 4..<(base.tokenizer.model!.pieceCount + 1) { oldId[base.tokenizer.model!.piece(id - 1)!] = id }
    var changed = 0
    for new in 0..<trimmed.config.vocabSize {
      let old = new < 4 ? new : new == trimmed.config.vocabSize - 1 ? base.tokenizer.model!.pieceCount + 1 : oldId[trimmed.tokenizer.model!.piece(new - 1)!]!
      let rowA = a[table]![(old * C)..<((old + 1) * C)], rowB = b[table]![(new * C)..<((new + 1) * C)]
      #expect(close(rowA, rowB), "row \(new) (old \(old))")
      if !close(rowA, UnsafeBufferPointer(start: base.encoder.store.pointer(table) + old * C, count: C)) { changed += 1 }
    }
    #expect(changed > 0, "training changed some rows")
  }

  @Test func aBadCorpusFileIsNamed() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    func message(_ spec: String) -> String {
      var texts: [String: Int] = [:]
      do { try CorpusTexts.read(spec, into: &texts) } catch { return "\(error)" }
      return "accepted"
    }
    let missing = dir.appendingPathComponent("missing.txt").path
    #expect(message(missing).contains(missing))
    let tsv = dir.appendingPathComponent("no-columns.tsv")
    try "a\tb\nx\ty\n".write(to: tsv, atomically: true, encoding: .utf8)
    #expect(message(tsv.path).contains(tsv.path) && message(tsv.path).contains("sentence1"))
    let jsonl = dir.appendingPathComponent("bad.jsonl")
    try "{\"a\": \"x\"}\n{not json\n".write(to: jsonl, atomically: true, encoding: .utf8)
    #expect(message(jsonl.path).contains(jsonl.path + ":2:"))
    let bytes = dir.appendingPathComponent("latin1.txt")
    try Data([0x61, 0x0A, 0xE9, 0x0A]).write(to: bytes)
    #expect(message(bytes.path).contains(bytes.path) && message(bytes.path).contains("line 2"))
    #expect(message("nli_tsv:" + missing).contains(missing))
  }
}
