import Foundation

/// SentencePiece's precompiled normalization (the `precompiled_charsmap` of a model, base64 in
/// tokenizer.json): a little-endian u32 trie size, a darts-clone double-array trie over UTF-8
/// prefixes, then NUL-terminated replacement strings the trie's values point into. Applied as
/// Hugging Face's `spm_precompiled` does: a grapheme cluster shorter than 6 bytes whose bytes
/// start with a key becomes the shortest key's replacement; otherwise each scalar on its own.
struct Precompiled: Sendable {
  let units: [UInt32]
  let normalized: [UInt8]
  /// The raw charsmap, written back by the exporter.
  let charsmap: Data

  init(charsmap: Data, node: JSONNode) throws {
    let bytes = [UInt8](charsmap)
    guard bytes.count >= 4 else { throw node.error("charsmap of \(bytes.count) bytes has no trie size") }
    let size = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
    guard size % 4 == 0, size <= bytes.count - 4 else {
      throw node.error("trie size \(size) does not fit the \(bytes.count)-byte charsmap")
    }
    var units = [UInt32](repeating: 0, count: size / 4)
    for k in 0..<units.count {
      let b = 4 + 4 * k
      units[k] = UInt32(bytes[b]) | UInt32(bytes[b + 1]) << 8 | UInt32(bytes[b + 2]) << 16 | UInt32(bytes[b + 3]) << 24
    }
    let normalized = Array(bytes[(4 + size)...])
    guard String(validating: normalized, as: UTF8.self) != nil else { throw node.error("replacement strings are not UTF-8") }
    self.units = units
    self.normalized = normalized
    self.charsmap = charsmap
  }

  /// The replacement of the shortest key that `key` starts with (keys end at a NUL byte).
  func transform<C: Collection<UInt8>>(_ key: C) -> String? {
    guard let root = units.first else { return nil }
    var pos = Self.offset(root)
    for c in key {
      if c == 0 { return nil }
      pos ^= Int(c)
      guard pos < units.count else { return nil }
      let unit = units[pos]
      guard unit & 0x8000_00FF == UInt32(c) else { return nil }
      pos ^= Self.offset(unit)
      if unit >> 8 & 1 == 1 {
        guard pos < units.count else { return nil }
        let start = Int(units[pos] & 0x7FFF_FFFF)
        guard start <= normalized.count else { return nil }
        var end = start
        while end < normalized.count, normalized[end] != 0 { end += 1 }
        return String(validating: normalized[start..<end], as: UTF8.self)
      }
    }
    return nil
  }

  private static func offset(_ unit: UInt32) -> Int { Int(unit >> 10) << Int((unit & (1 << 9)) >> 6) }

  func apply(_ text: inout NormalizedText) {
    text.mapGraphemes { ch in
      let utf8 = ch.utf8
      if utf8.count < 6, let r = transform(utf8) { return r }
      var out = ""
      var changed = false
      for u in ch.unicodeScalars {
        if let r = transform(String(u).utf8) {
          out += r
          changed = true
        } else {
          out.unicodeScalars.append(u)
        }
      }
      return changed ? out : nil
    }
  }
}
