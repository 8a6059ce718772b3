/// Strict, typed reading of a `YAMLTree`: every value is checked for its type, every map for
/// unknown keys, and every error names the recipe file, line and key path.
struct RecipeReader {
  let file: String
  let tree: YAMLTree
  let path: String

  func fail(_ message: String, line: Int? = nil, path p: String? = nil) -> RecipeError {
    RecipeError(file: file, line: line ?? tree.line, path: p ?? path, message: message)
  }

  /// The value is YAML's null (`null`, `Null`, `NULL` or `~`).
  var isNull: Bool {
    guard case .scalar(let s, _) = tree else { return false }
    return ["null", "Null", "NULL", "~"].contains(s)
  }

  /// Where this value was given, for an error found after reading.
  var key: RecipeKey { RecipeKey(file: file, line: tree.line, path: path) }

  private var describe: String {
    switch tree {
    case .scalar(let s, _): "'\(s)'"
    case .map: "a mapping"
    case .list: "a list"
    }
  }

  func string() throws -> String {
    guard case .scalar(let s, _) = tree else { throw fail("expected a text value, got \(describe)") }
    return s
  }

  func int() throws -> Int {
    guard case .scalar(let s, _) = tree, let v = Int(s) else { throw fail("expected an integer, got \(describe)") }
    return v
  }

  func double() throws -> Double {
    guard case .scalar(let s, _) = tree, let v = Double(s), v.isFinite else { throw fail("expected a number, got \(describe)") }
    return v
  }

  func bool() throws -> Bool {
    guard case .scalar(let s, _) = tree else { throw fail("expected true or false, got \(describe)") }
    switch s.lowercased() {
    case "true", "yes", "on": return true
    case "false", "no", "off": return false
    default: throw fail("expected true or false, got '\(s)'")
    }
  }

  func oneOf<T: RawRepresentable>(_ type: T.Type, _ allowed: [T]) throws -> T where T.RawValue == String {
    let s = try string()
    guard let v = T(rawValue: s) else {
      throw fail("expected one of \(allowed.map(\.rawValue).joined(separator: ", ")), got '\(s)'")
    }
    return v
  }

  func list() throws -> [RecipeReader] {
    guard case .list(let items, _) = tree else { throw fail("expected a list, got \(describe)") }
    return items.enumerated().map { RecipeReader(file: file, tree: $1, path: YAMLTree.join(path, "\($0)")) }
  }

  /// Reads a mapping with `body`, then rejects any key `body` did not ask for.
  func map<T>(_ body: (inout MapReader) throws -> T) throws -> T {
    guard case .map(let pairs, _) = tree else { throw fail("expected a mapping, got \(describe)") }
    var m = MapReader(reader: self, pairs: pairs)
    let value = try body(&m)
    for (key, value) in pairs where !m.used.contains(key) {
      throw fail("unknown key (known here: \(m.asked.joined(separator: ", ")))", line: value.line, path: YAMLTree.join(path, key))
    }
    return value
  }
}

/// The recipe file, line and key path of a value, as `RecipeReader.fail` names them.
struct RecipeKey: Sendable, Equatable {
  let file: String
  let line: Int
  let path: String

  func fail(_ message: String) -> RecipeError { RecipeError(file: file, line: line, path: path, message: message) }
}

struct MapReader {
  let reader: RecipeReader
  let pairs: [(key: String, value: YAMLTree)]
  var used: Set<String> = []
  var asked: [String] = []

  init(reader: RecipeReader, pairs: [(key: String, value: YAMLTree)]) {
    self.reader = reader
    self.pairs = pairs
  }

  /// The value under `key`, or nil when absent.
  mutating func optional(_ key: String) -> RecipeReader? {
    asked.append(key)
    guard let v = pairs.first(where: { $0.key == key })?.value else { return nil }
    used.insert(key)
    return RecipeReader(file: reader.file, tree: v, path: YAMLTree.join(reader.path, key))
  }

  /// The mapping under `key`, or an empty one when the key is absent (every default applies).
  mutating func optionalSection(_ key: String) -> RecipeReader {
    optional(key) ?? RecipeReader(file: reader.file, tree: .map([], line: reader.tree.line), path: YAMLTree.join(reader.path, key))
  }

  mutating func required(_ key: String) throws -> RecipeReader {
    guard let v = optional(key) else { throw reader.fail("missing key '\(key)'") }
    return v
  }
}
