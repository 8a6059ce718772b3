import ArgumentParser
import Autograd
import Foundation

extension PrecisionSetting: ExpressibleByArgument {}

/// `--precision auto|fp32|bf16` of `embed`, `eval`, `mine`, `score` and `bench embed|train|mine`:
/// the precision of the encoder's matrix products (see `Precision`).
struct PrecisionOption: ParsableArguments {
  @Option(help: ArgumentHelp(
    "Matrix products in fp32, or bf16 with fp32 accumulation (auto: bf16 where the CPU has native bf16 dot products).",
    discussion: "bf16 on a CPU without AVX512_BF16 is refused."))
  var precision: PrecisionSetting = .auto

  /// bf16 on a CPU without native bf16 dot products is refused with the options.
  func validate() throws {
    do {
      _ = try precision.resolve()
    } catch let e as PrecisionError {
      throw ValidationError("--precision \(e.description)")
    }
  }

  /// The precision on this CPU, said on standard error; a bf16 request the CPU cannot serve throws.
  func resolve() throws -> Precision {
    let p: Precision
    do {
      p = try precision.resolve()
    } catch let e as PrecisionError {
      throw ValidationError("--precision \(e.description)")
    }
    Terminal.writeError("precision: \(PrecisionOption.describe(p, setting: precision))\n")
    return p
  }

  /// "bf16 (auto: AMD EPYC … has native bf16 dot products)", "fp32 (auto: … has none)", "fp32".
  static func describe(_ p: Precision, setting: PrecisionSetting) -> String {
    guard setting == .auto else { return p.rawValue }
    return "\(p.rawValue) (auto: \(Precision.cpuName) has \(p == .bf16 ? "native bf16 dot products" : "no native bf16 dot products"))"
  }
}
