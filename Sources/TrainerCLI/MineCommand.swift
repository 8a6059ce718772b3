import ArgumentParser
import Foundation
import Mining
import TextEncoder

struct MineCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mine", abstract: "Mine hard negatives for a data set's examples with a model, into the data set.")

  @Argument(help: "A data set made by `trainer data build`; its /mined group is replaced when mining completes.")
  var data: String
  @Option(help: "The model directory to embed with.")
  var model: String
  @Option(help: "Negatives per example.")
  var k: Int = 4
  @Option(help: "Ranks to draw from, FIRST-LAST (1-based, after the query, its positive and its given negatives).")
  var rankWindow: String = "10-100"
  @Option(help: "Drop candidates scoring above (positive score − margin).")
  var margin: Float?
  @Option(help: "Drop candidates scoring above (1 − relative margin) × positive score.")
  var relativeMargin: Float?
  @Option(help: "Seed of the draw.")
  var seed: UInt64 = 0
  @OptionGroup var encode: EncodeOptions
  @Option(help: "Texts per forward pass.")
  var batch: Int = 64
  @Option(help: "Precision of the stored corpus embeddings.")
  var corpusPrecision: EmbeddingChunks.Precision = .f32
  @Option(help: "Embeddings per stored chunk (the unit of resuming, and of sharing the work between MPI ranks).")
  var chunkRows: Int = 8192
  @OptionGroup var compute: ComputeOptions
  @OptionGroup var matmul: PrecisionOption

  func window() throws -> ClosedRange<Int> {
    let parts = rankWindow.split(separator: "-").compactMap { Int($0) }
    guard parts.count == 2, parts[0] >= 1, parts[0] <= parts[1] else {
      throw ValidationError("--rank-window '\(rankWindow)': expected FIRST-LAST with 1 <= FIRST <= LAST, e.g. 10-100")
    }
    return parts[0]...parts[1]
  }

  func validate() throws {
    _ = try window()
    guard k > 0 else { throw ValidationError("--k must be positive") }
    guard chunkRows > 0 else { throw ValidationError("--chunk-rows must be positive") }
    try FlagChecks.atLeast(1, batch, "--batch")
    try FlagChecks.nonNegative(margin, "--margin")
    try FlagChecks.belowOne(relativeMargin, "--relative-margin")
  }

  func run() throws {
    compute.apply()
    try runReportingErrors {
      let comm = try Job.start()
      let encoder = try SentenceEncoder(directory: model)
      encoder.encoder.store.precision = try matmul.resolve()
      var miner = Miner(
        model: encoder,
        selection: NegativeSelection(count: k, window: try window(), margin: margin, relativeMargin: relativeMargin, seed: seed),
        queryPrefix: encode.queryPrefix, passagePrefix: encode.passagePrefix, maxLength: encode.maxLength)
      miner.batchSize = batch
      miner.precision = corpusPrecision
      miner.communicator = comm
      miner.rowsPerChunk = chunkRows
      var bars: [Miner.Phase: ProgressBar] = [:]
      let summary = try miner.mine(dataPath: data) { phase, done, total in
        guard comm.isRoot else { return }
        if bars[phase] == nil { bars[phase] = ProgressBar(total: total, label: phase.rawValue) }
        bars[phase]!.update(done)
      }
      if let summary {
        print("mined \(data)" + (comm.size > 1 ? " on \(comm.size) ranks" : ""))
        for line in summary.lines { print("  \(line)") }
      }
      Job.finish()
    }
  }
}
