import ArgumentParser
import Autograd
import Foundation
import SafeTensors
import TextEncoder
import Training

struct GradCheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gradcheck",
    abstract: "Checks the encoder's gradients against central differences (InfoNCE over 4 random triplets).")

  @Option(help: "Model directory to check; by default a tiny random XLM-R (2 layers, hidden 32, 4 heads, vocabulary 100).")
  var model: String?
  @Option(help: "Random entries checked per parameter tensor (0: every entry).")
  var entries: Int = 16
  @Option(help: "Largest accepted max |analytic − numeric| / max |numeric| per tensor.")
  var tolerance: Double = 1e-2
  @Option(help: "Central-difference step.")
  var step: Float = 1e-2
  @Option(help: "Seed of the random model, tokens and sampled entries.")
  var seed: UInt64 = 0
  @OptionGroup var compute: ComputeOptions

  func validate() throws {
    try FlagChecks.atLeast(0, entries, "--entries")
    try FlagChecks.positive(tolerance, "--tolerance")
    try FlagChecks.positive(Double(step), "--step")
  }

  func run() throws {
    compute.apply()
    try runReportingErrors {
      let encoder: Encoder
      if let model {
        // shapes checked against the config before anything is allocated
        encoder = try Encoder(config: try EncoderConfig.load(path: model + "/config.json"), weights: SafeTensorsFile(path: model + "/model.safetensors"))
      } else {
        encoder = Encoder(config: EncoderGradCheck.tinyConfig)
        encoder.initializeRandom(seed: seed, std: 0.2)
      }
      let sequences = EncoderGradCheck.randomTriplets(config: encoder.config, seed: seed)
      let results = try EncoderGradCheck.run(
        encoder: encoder, sequences: sequences, entriesPerTensor: entries > 0 ? entries : nil, step: step, seed: seed)
      var failed = 0
      for c in results {
        let ok = EncoderGradCheck.passes(c, among: results, tolerance: tolerance)
        if !ok { failed += 1 }
        print((ok ? "ok    " : "FAIL  ") + c.description)
      }
      print("\(results.count - failed) of \(results.count) parameter tensors within \(tolerance)")
      if failed > 0 { throw ExitCode.failure }
    }
  }
}
