import ArgumentParser
import Autograd
import Foundation
import Mining

extension BenchCommand {
  struct Mine: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "mine",
      abstract: "Top-k search speed and peak memory on random unit vectors, the corpus stored in chunks on disk as mining does.")

    @Option(help: "Corpus vectors.")
    var passages: Int = 100_000
    @Option(help: "Query vectors.")
    var queries: Int = 10_000
    @Option(help: "Dimension.")
    var dim: Int = 384
    @Option(help: "Hits kept per query.")
    var k: Int = 100
    @Option(help: "Corpus rows per chunk.")
    var chunkRows: Int = 8192
    @Option(help: "Queries searched together.")
    var queriesPerBlock: Int = 16_384
    @Option(help: "Precision of the stored corpus.")
    var corpusPrecision: EmbeddingChunks.Precision = .f32
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
      for (value, flag) in [(passages, "--passages"), (queries, "--queries"), (dim, "--dim"), (k, "--k"), (chunkRows, "--chunk-rows"),
                            (queriesPerBlock, "--queries-per-block")] {
        try FlagChecks.atLeast(1, value, flag)
      }
      for (count, flag) in [(passages, "--passages"), (queries, "--queries")] where count.multipliedReportingOverflow(by: dim).overflow {
        throw ValidationError("\(flag) × --dim (\(count) × \(dim)) is too large")
      }
    }

    func run() throws {
      compute.apply()
      try runReportingErrors {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-bench-mine-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix64(seed: 1)
        func unitRows(_ n: Int) -> [Float] {
          var v = (0..<(n * dim)).map { _ in rng.nextNormal() }
          for i in 0..<n {
            var s: Float = 0
            for d in 0..<dim { s += v[i * dim + d] * v[i * dim + d] }
            let inv = 1 / s.squareRoot()
            for d in 0..<dim { v[i * dim + d] *= inv }
          }
          return v
        }
        let chunks = try EmbeddingChunks(
          directory: dir, key: "bench", rows: passages, dim: dim, rowsPerChunk: chunkRows, precision: corpusPrecision)
        for c in 0..<chunks.chunkCount { try chunks.write(c, unitRows(chunks.range(c).count)) }
        let q = unitRows(queries)
        let before = Memory.resetPeak()
        let t0 = Date()
        for start in stride(from: 0, to: queries, by: queriesPerBlock) {
          let block = Array(q[(start * dim)..<(min(start + queriesPerBlock, queries) * dim)])
          _ = try TopK.search(queries: block, dim: dim, k: k, blocks: chunks.blocks())
        }
        let seconds = Date().timeIntervalSince(t0)
        print(String(
          format: "mine: %d queries x %d passages (dim %d, k %d, %@ chunks of %d) in %.2fs: %.0f passages/s, %.2e scores/s; "
            + "peak RSS %.0f MB (%.0f MB before the search), %d threads",
          queries, passages, dim, k, corpusPrecision.rawValue, chunkRows, seconds, Double(passages) / seconds,
          Double(passages) * Double(queries) / seconds, Memory.peak() / 1e6, before / 1e6,
          compute.threads ?? ProcessInfo.processInfo.activeProcessorCount))
      }
    }
  }
}
