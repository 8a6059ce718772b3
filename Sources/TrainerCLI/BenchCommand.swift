import ArgumentParser
import Foundation
import TextEncoder
import TextFiles
import Tokenization

struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench", abstract: "Speed benchmarks (run a release build).", subcommands: [Embed.self, Train.self, Mine.self, ParquetRead.self])

  struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "embed", abstract: "Embedding throughput on the sentences of a KorSTS TSV file.")

    @Argument(help: "Model directory.")
    var model: String
    @Option(help: "KorSTS TSV (columns sentence1, sentence2); every sentence of both columns is embedded.")
    var tsv: String = "data/kornlu/KorSTS/sts-test.tsv"
    @Option(help: "Sentences per forward pass.")
    var batch: Int = 32
    @Option(help: "Text put before every sentence.")
    var prompt: String = ""
    @Option(help: "Timed repetitions (the best is reported); one untimed warm-up runs first.")
    var repeats: Int = 3
    @OptionGroup var compute: ComputeOptions
    @OptionGroup var matmul: PrecisionOption

    func validate() throws {
      try FlagChecks.atLeast(1, batch, "--batch")
      try FlagChecks.atLeast(1, repeats, "--repeats")
    }

    func run() throws {
      compute.apply()
      try runReportingErrors {
        let model = try SentenceEncoder(directory: self.model)
        model.encoder.store.precision = try matmul.resolve()
        let rows = try TextLines.readTSV(path: tsv, required: ["sentence1", "sentence2"])
        let texts = rows.map { $0["sentence1"]! } + rows.map { $0["sentence2"]! }
        let tokens = try texts.reduce(0) { try $0 + model.tokenizer.encode($1, prefix: prompt).count }
        _ = try model.embed(Array(texts.prefix(batch * 2)), prefix: prompt, batchSize: batch)
        var best = Double.infinity
        for _ in 0..<repeats {
          let t0 = Date()
          _ = try model.embed(texts, prefix: prompt, batchSize: batch)
          best = min(best, Date().timeIntervalSince(t0))
        }
        print(String(format: "embed: %d sentences (%d tokens) in %.3fs: %.1f sentences/s, %.0f tokens/s (batch %d, %d threads)",
                     texts.count, tokens, best, Double(texts.count) / best, Double(tokens) / best, batch,
                     compute.threads ?? ProcessInfo.processInfo.activeProcessorCount))
      }
    }
  }
}
