/// A JSON value with the key order of its objects kept (sentence-transformers takes columns by
/// position, in the order of the file's keys).
public indirect enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([(key: String, value: JSONValue)])

  /// The value of `key` in an object (the first, if the key repeats); nil otherwise.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.key == key }?.value
  }

  /// What kind of value this is, for error messages.
  public var kind: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array: "a list"
    case .object: "an object"
    }
  }

  public static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): true
    case (.bool(let x), .bool(let y)): x == y
    case (.number(let x), .number(let y)): x == y
    case (.string(let x), .string(let y)): x == y
    case (.array(let x), .array(let y)): x == y
    case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    default: false
    }
  }
}

/// A strict JSON parser (RFC 8259) over UTF-8 bytes: no trailing commas, comments or NaN; strings
/// must be valid UTF-8 (escapes included: a lone surrogate is refused); nesting deeper than
/// `maxDepth` is refused rather than recursed into.
public struct JSONParser {
  public static let maxDepth = 512

  /// Why a text is not JSON, and the byte offset (from 0) where that was found.
  public struct Failure: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "\(reason) at byte \(offset + 1)" }
  }

  let bytes: [UInt8]
  var i = 0

  /// The one value of `bytes` (whitespace around it allowed).
  public static func parse<C: Collection<UInt8>>(_ bytes: C) throws(Failure) -> JSONValue {
    var p = JSONParser(bytes: Array(bytes))
    p.skipSpace()
    let v = try p.value(depth: 0)
    p.skipSpace()
    guard p.i == p.bytes.count else { throw p.fail("text after the JSON value") }
    return v
  }

  func fail(_ reason: String) -> Failure { Failure(offset: i, reason: reason) }

  mutating func skipSpace() {
    while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
  }

  mutating func value(depth: Int) throws(Failure) -> JSONValue {
    guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
    guard i < bytes.count else { throw fail("unexpected end of the text") }
    switch bytes[i] {
    case UInt8(ascii: "{"):
      i += 1
      var members: [(key: String, value: JSONValue)] = []
      skipSpace()
      if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
        i += 1
        return .object(members)
      }
      while true {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key string") }
        let key = try string()
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
        i += 1
        skipSpace()
        members.append((key, try value(depth: depth + 1)))
        skipSpace()
        guard i < bytes.count else { throw fail("unexpected end of the text in an object") }
        if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
        guard bytes[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}' in an object") }
        i += 1
        return .object(members)
      }
    case UInt8(ascii: "["):
      i += 1
      var items: [JSONValue] = []
      skipSpace()
      if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
        i += 1
        return .array(items)
      }
      while true {
        skipSpace()
        items.append(try value(depth: depth + 1))
        skipSpace()
        guard i < bytes.count else { throw fail("unexpected end of the text in a list") }
        if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
        guard bytes[i] == UInt8(ascii: "]") else { throw fail("expected ',' or ']' in a list") }
        i += 1
        return .array(items)
      }
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): try literal("true"); return .bool(true)
    case UInt8(ascii: "f"): try literal("false"); return .bool(false)
    case UInt8(ascii: "n"): try literal("null"); return .null
    default: return .number(try number())
    }
  }

  mutating func literal(_ word: String) throws(Failure) {
    let n = word.utf8.count
    guard i + n <= bytes.count else { throw fail("unexpected end of the text") }
    guard bytes[i..<(i + n)].elementsEqual(word.utf8) else { throw fail("unexpected character") }
    i += n
  }

  mutating func number() throws(Failure) -> Double {
    let start = i
    func digits(_ p: inout JSONParser) -> Int {
      let s = p.i
      while p.i < p.bytes.count, (0x30...0x39).contains(p.bytes[p.i]) { p.i += 1 }
      return p.i - s
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
    guard i < bytes.count, (0x30...0x39).contains(bytes[i]) else { throw fail("unexpected character") }
    if bytes[i] == 0x30 { i += 1 } else { _ = digits(&self) }
    if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
      i += 1
      guard digits(&self) > 0 else { throw fail("expected digits after '.'") }
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
      i += 1
      if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
      guard digits(&self) > 0 else { throw fail("expected digits in an exponent") }
    }
    let text = String(decoding: bytes[start..<i], as: UTF8.self)
    guard let v = Double(text) else { throw Failure(offset: start, reason: "number '\(text)' out of range") }
    return v
  }

  mutating func hex4() throws(Failure) -> UInt32 {
    guard i + 4 <= bytes.count else { throw fail("unexpected end of the text in a \\u escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      let c = bytes[i]
      let d: UInt32
      switch c {
      case 0x30...0x39: d = UInt32(c - 0x30)
      case 0x41...0x46: d = UInt32(c - 0x41 + 10)
      case 0x61...0x66: d = UInt32(c - 0x61 + 10)
      default: throw fail("bad \\u escape")
      }
      v = v * 16 + d
      i += 1
    }
    return v
  }

  mutating func string() throws(Failure) -> String {
    i += 1  // the opening quote
    var out: [UInt8] = []
    var runStart = i
    while true {
      guard i < bytes.count else { throw fail("unterminated string") }
      let c = bytes[i]
      if c == UInt8(ascii: "\"") {
        out += bytes[runStart..<i]
        i += 1
        break
      }
      if c < 0x20 { throw fail("control character in a string (escape it)") }
      if c != UInt8(ascii: "\\") {
        i += 1
        continue
      }
      out += bytes[runStart..<i]
      i += 1
      guard i < bytes.count else { throw fail("unterminated escape") }
      let e = bytes[i]
      i += 1
      switch e {
      case UInt8(ascii: "\""): out.append(0x22)
      case UInt8(ascii: "\\"): out.append(0x5C)
      case UInt8(ascii: "/"): out.append(0x2F)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
          guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
            throw fail("lone surrogate in a \\u escape")
          }
          i += 2
          let low = try hex4()
          guard (0xDC00...0xDFFF).contains(low) else { throw fail("lone surrogate in a \\u escape") }
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let u = Unicode.Scalar(scalar) else { throw fail("lone surrogate in a \\u escape") }
        out += Array(String(Character(u)).utf8)
      default: throw fail("bad escape '\\\(Character(Unicode.Scalar(e)))'")
      }
      runStart = i
    }
    guard let s = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
    return s
  }
}
