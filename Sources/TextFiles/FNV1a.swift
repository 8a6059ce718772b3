/// 64-bit FNV-1a, as 16 hex digits: an identity for files and texts (recipes in checkpoints,
/// tokenizer models in data sets), not a cryptographic hash.
public enum FNV1a {
  public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    let digits = String(h, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
