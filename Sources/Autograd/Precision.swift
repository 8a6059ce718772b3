import CBF16
import Foundation

/// The precision of the encoder's matrix products. `bf16` is PyTorch's CPU autocast: the linear
/// layers' products (forward, dX and dW) take bf16 operands and accumulate in fp32; everything
/// else (master weights, gradients, AdamW, LayerNorm, softmax, GELU, attention, pooling, losses)
/// stays fp32.
public enum Precision: String, Sendable, Codable, CaseIterable {
  case fp32, bf16

  /// Whether this CPU has native bf16 dot products (AVX512_BF16), read once from CPUID.
  /// `TRAINER_NO_BF16=1` in the environment hides them (to run a bf16 machine as one without).
  public static let nativeBF16: Bool = {
    if let v = ProcessInfo.processInfo.environment["TRAINER_NO_BF16"], v != "" && v != "0" { return false }
    return cbf16_cpu_has_native_bf16() != 0
  }()

  /// The CPU's name as /proc/cpuinfo gives it (for messages and records), or "this CPU".
  public static let cpuName: String = {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
      let name = line.split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces), !name.isEmpty
    else { return "this CPU" }
    return name
  }()
}

/// What a recipe or a flag asks for: a precision, or `auto` (bf16 where the CPU has native bf16
/// dot products, fp32 elsewhere).
public enum PrecisionSetting: String, Sendable, Codable, CaseIterable {
  case auto, fp32, bf16

  /// The precision this setting means on this CPU; `bf16` where the CPU lacks native bf16 is an error.
  public func resolve() throws -> Precision {
    switch self {
    case .fp32: return .fp32
    case .auto: return Precision.nativeBF16 ? .bf16 : .fp32
    case .bf16:
      guard Precision.nativeBF16 else { throw PrecisionError.noNativeBF16(cpu: Precision.cpuName) }
      return .bf16
    }
  }
}

public enum PrecisionError: Error, CustomStringConvertible, Equatable {
  case noNativeBF16(cpu: String)

  public var description: String {
    switch self {
    case .noNativeBF16(let cpu):
      return "bf16: \(cpu) has no native bf16 dot products (AVX512_BF16"
        + (ProcessInfo.processInfo.environment["TRAINER_NO_BF16"].map { _ in ", or TRAINER_NO_BF16 hides them" } ?? "")
        + "); use auto (fp32 here) or fp32"
    }
  }
}
