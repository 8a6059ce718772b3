/// Element types this project reads and writes in safetensors files.
public enum DType: String, Sendable, CaseIterable {
  case f32 = "F32"
  case f16 = "F16"
  case bf16 = "BF16"
  case i64 = "I64"

  public var byteSize: Int {
    switch self {
    case .f32: return 4
    case .f16, .bf16: return 2
    case .i64: return 8
    }
  }
}

/// IEEE half ↔ single conversions (round to nearest even), and bfloat16.
public enum HalfFloat {
  public static func toFloat(_ h: UInt16) -> Float {
    Float(Float16(bitPattern: h))
  }
  public static func fromFloat(_ f: Float) -> UInt16 {
    Float16(f).bitPattern
  }
  public static func bf16ToFloat(_ h: UInt16) -> Float {
    Float(bitPattern: UInt32(h) << 16)
  }
  public static func floatToBF16(_ f: Float) -> UInt16 {
    let bits = f.bitPattern
    if f.isNaN { return UInt16(bits >> 16) | 0x40 }
    let rounding = ((bits >> 16) & 1) + 0x7FFF
    return UInt16((bits &+ rounding) >> 16)
  }
}
