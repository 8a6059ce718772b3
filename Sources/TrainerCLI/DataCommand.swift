import ArgumentParser
import DataSets
import Foundation
import HDF5Files
import Recipes
import TextEncoder
import TextFiles
import Tokenization
import Training

struct DataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "data", abstract: "Build and inspect HDF5 data sets (tokenized corpus, examples, mined negatives, teacher scores).",
    subcommands: [Build.self, Inspect.self])

  struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "build", abstract: "Make a data set from TSV, CSV, JSON or JSON lines files, tokenized with a model's tokenizer.")

    @Option(help: "A model directory whose tokenizer the data set is made with.")
    var model: String
    @Option(
      name: .customLong("examples"),
      help: "FORMAT:PATH of training examples (nli_tsv, pairs_tsv, jsonl, json, csv, tsv, parquet, flag_embedding, tevatron); repeat for more files.")
    var examples: [String] = []
    @Option(
      name: .customLong("corpus"),
      help: "FORMAT:PATH whose texts join the corpus without being examples (any format of --examples, sts_tsv, lines).")
    var corpus: [String] = []
    @Option(help: "ROLE=COLUMN,... for the jsonl, json, csv, tsv and parquet files (query, positive, negative, score, prompt); default: by position.")
    var columns: String?
    @Option(help: "What a row that cannot give an example does: error (the default) or skip (counted).")
    var onBadRow: Recipe.OnBadRow = .error
    @Option(help: "Prefixes to check: texts that tokenize differently after a prefix than alone are counted.")
    var checkPrefix: [String] = ["query: ", "passage: "]
    @Option(name: [.short, .long], help: "The HDF5 file to write (replaced only when complete).")
    var output: String

    func validate() throws {
      guard !examples.isEmpty else { throw ValidationError("give at least one --examples FORMAT:PATH") }
    }

    /// A FORMAT:PATH option, its problems reported as the option's.
    /// A FORMAT:PATH option with --columns and --on-bad-row applied, its problems reported as the option's.
    func spec(_ spec: String) throws -> Recipe.DataSource {
      do {
        var source = try Recipe.dataSpec(spec)
        if source.format.readsRows { source.onBadRow = onBadRow }
        if let columns, source.format.takesColumnMapping { source.mapping = try Recipe.columnsSpec(columns) }
        return source
      } catch let e as RecipeError { throw ValidationError("'\(spec)': \(e.message)") }
    }

    func run() throws {
      try runReportingErrors {
        let tokenizer = try Tokenizer.load(directory: URL(fileURLWithPath: model))
        var report = LoadReport()
        let triplets = try TrainingData.triplets(try examples.map { try spec($0) }, report: &report)
        var extra: [String] = []
        for spec in corpus {
          if spec.hasPrefix("lines:") {
            let paths: [String]
            do { paths = try Recipe.expand(path: String(spec.dropFirst(6)), spec: spec) } catch let e as RecipeError {
              throw ValidationError("'\(spec)': \(e.message)")
            }
            for p in paths { extra += try TextLines.read(path: p).filter { !$0.isEmpty } }
          } else {
            extra += try TrainingData.loadSources([try self.spec(spec)], report: &report)[0].flatMap(\.texts)
          }
        }
        if let summary = report.summary { print("data: \(summary)") }
        let t0 = Date()
        let s = try DataSetBuilder.build(
          examples: triplets, corpusTexts: extra, tokenizer: tokenizer, sources: examples + corpus, checkPrefixes: checkPrefix,
          output: output)
        print("wrote \(output): \(s.examples) examples, \(s.texts) distinct texts, \(s.tokens) tokens (longest \(s.longestText)), "
          + "\(s.negatives) negatives from the data" + String(format: " in %.1fs", Date().timeIntervalSince(t0)))
        for (prefix, n) in s.prefixMismatches.sorted(by: { $0.key < $1.key }) where n > 0 {
          print("note: \(n) texts tokenize differently after \"\(prefix)\" than alone; training composes the two")
        }
      }
    }
  }

  struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Print what an HDF5 data set holds.")

    @Argument(help: "An HDF5 file.")
    var file: String
    @Option(help: "Examples to print as text.")
    var examples: Int = 3

    func validate() throws { try FlagChecks.atLeast(0, examples, "--examples") }

    func run() throws {
      try runReportingErrors {
        let h5 = try HDF5File.open(path: file)
        print(file)
        try printGroup(h5, "/", indent: "  ")
        guard (try? h5.attribute("format")) == DataSetLayout.format else { return }
        let d = try DataSetFile(path: file)
        let texts = try d.texts()
        let lengths = (0..<d.corpusCount).map { d.offsets[$0 + 1] - d.offsets[$0] }
        print("corpus: \(d.corpusCount) texts, \(d.offsets.last!) tokens, mean \(String(format: "%.1f", Double(d.offsets.last!) / Double(max(d.corpusCount, 1)))), longest \(lengths.max() ?? 0)")
        print("examples: \(d.exampleCount), hard negatives from the data: up to \(d.negativeWidth) each")
        let mined = try d.mined()
        if let mined {
          print("mined negatives: up to \(mined.k) each, \(mined.negatives.filter { $0 >= 0 }.count) in all")
          if let summary = try? h5.attribute("summary", of: "mined") { print("mining summary: \(summary)") }
        }
        for e in 0..<min(examples, d.exampleCount) {
          print("[\(e)] query:    \(texts[Int(d.query[e])])")
          print("    positive: \(texts[Int(d.positive[e])])")
          for n in d.negatives(of: e) { print("    negative: \(texts[n])") }
          if let mined { for n in mined.of(e) { print("    mined:    \(texts[n])") } }
        }
      }
    }

    func printGroup(_ h5: HDF5File, _ group: String, indent: String) throws {
      for name in try h5.attributeNames(of: group) {
        let value = (try? h5.attribute(name, of: group)) ?? "(not a string)"
        let shown = value.count > 100 ? String(value.prefix(100)) + "…" : value
        print("\(indent)@\(name) = \(shown.replacingOccurrences(of: "\n", with: " | "))")
      }
      for member in try h5.members(of: group) {
        let path = group == "/" ? member.name : "\(group)/\(member.name)"
        if member.isGroup {
          print("\(indent)\(member.name)/")
          try printGroup(h5, path, indent: indent + "  ")
        } else {
          print("\(indent)\(member.name)  \(try h5.typeName(path)) \(try h5.shape(path))")
        }
      }
    }
  }
}
