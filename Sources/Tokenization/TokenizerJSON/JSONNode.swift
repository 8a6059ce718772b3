import Foundation

/// A value of a parsed tokenizer.json with its key path (`normalizer.normalizers[1]`), so that
/// every error names the file, the key and what was expected.
struct JSONNode {
  let value: Any
  let path: String
  let file: String

  /// An error about this node: `file: cannot load tokenizer model: path: detail`.
  func error(_ detail: String) -> TokenizationError {
    .badTokenizer(path: file, reason: path.isEmpty ? detail : "\(path): \(detail)")
  }

  var isNull: Bool { value is NSNull }

  private func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  /// The member `key`, or nil when it is missing or null.
  func optional(_ key: String) throws -> JSONNode? {
    guard let object = value as? [String: Any] else { throw error("expected an object") }
    guard let v = object[key], !(v is NSNull) else { return nil }
    return JSONNode(value: v, path: childPath(key), file: file)
  }

  /// The member `key`; missing or null is an error.
  func require(_ key: String) throws -> JSONNode {
    guard let node = try optional(key) else { throw error("missing key \"\(key)\"") }
    return node
  }

  func string() throws -> String {
    guard let s = value as? String else { throw error("expected a string") }
    return s
  }

  func bool() throws -> Bool {
    guard let b = value as? Bool else { throw error("expected true or false") }
    return b
  }

  /// An integer in `range`.
  func int(in range: ClosedRange<Int> = 0...Int(Int32.max)) throws -> Int {
    guard let n = value as? NSNumber, let d = Double(exactly: n.doubleValue), d.rounded() == d, d >= Double(range.lowerBound),
      d <= Double(range.upperBound)
    else { throw error("expected an integer in \(range.lowerBound)...\(range.upperBound)") }
    return Int(d)
  }

  func double() throws -> Double {
    guard let n = value as? NSNumber, n.doubleValue.isFinite else { throw error("expected a finite number") }
    return n.doubleValue
  }

  func array() throws -> [JSONNode] {
    guard let a = value as? [Any] else { throw error("expected an array") }
    return a.enumerated().map { JSONNode(value: $0.element, path: "\(path)[\($0.offset)]", file: file) }
  }

  /// The members of an object, sorted by key (JSON objects carry no order).
  func members() throws -> [(key: String, node: JSONNode)] {
    guard let object = value as? [String: Any] else { throw error("expected an object") }
    return object.keys.sorted().map { ($0, JSONNode(value: object[$0] as Any, path: childPath($0), file: file)) }
  }

  func optionalBool(_ key: String, default d: Bool) throws -> Bool { try optional(key)?.bool() ?? d }
  func optionalString(_ key: String) throws -> String? { try optional(key)?.string() }

  /// The `type` member, refused unless it is one of `supported`.
  func type(_ supported: [String]) throws -> String {
    let node = try require("type")
    let t = try node.string()
    guard supported.contains(t) else {
      throw node.error("\"\(t)\" is not supported (supported: \(supported.joined(separator: ", ")))")
    }
    return t
  }

  /// Refuses a member `key` whose value is not `allowed` (an option this reader does not implement).
  func refuse(_ key: String, unless allowed: (JSONNode?) throws -> Bool, _ what: String) throws {
    let node = try optional(key)
    if try !allowed(node) { throw (node ?? self).error("\(what) is not supported") }
  }
}
