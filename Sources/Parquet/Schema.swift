/// A top-level column of a Parquet file as a recipe sees it.
public struct ParquetColumn: Equatable, Sendable {
  /// What a recipe can read from a column.
  public enum Kind: Equatable, Sendable {
    /// text (BYTE_ARRAY, UTF8/STRING): `[String?]`
    case string
    /// a list of texts (the standard 3-level LIST, the legacy 2-level list or a repeated
    /// BYTE_ARRAY): `[[String]?]`
    case stringList
    /// BOOLEAN, INT32, INT64, FLOAT or DOUBLE: `[Double?]` (booleans as 0 and 1)
    case number
    /// anything else (structs, maps, lists of numbers, decimals, INT96, fixed-length bytes)
    case unsupported
  }

  public let name: String
  public let kind: Kind
  /// The column's Parquet type, as in error messages: e.g. "optional BYTE_ARRAY (UTF8)",
  /// "optional group (LIST) of optional BYTE_ARRAY".
  public let typeDescription: String
}

/// How the leaf column behind a top-level column is read: its index among the leaves (the order
/// of column chunks in a row group), physical type and levels.
struct LeafColumn {
  let column: ParquetColumn
  let leafIndex: Int
  let path: [String]
  let physicalType: PhysicalType?
  let maxDefinitionLevel: Int
  let maxRepetitionLevel: Int
  /// For lists: the definition level from which the row's list exists (below it the row is
  /// null); an element exists from this level + 1, and is non-null at the maximum level.
  let listDefinitionLevel: Int
  /// For INT32 / INT64 numbers: the bits are unsigned (UINT_8 ... UINT_64).
  var isUnsigned = false
}

/// The schema tree rebuilt from the flattened, depth-first list of SchemaElements.
struct Schema {
  /// Groups nested deeper than this are refused.
  static let maxDepth = 32

  final class Node {
    let element: SchemaElement
    var children: [Node] = []
    init(_ element: SchemaElement) { self.element = element }
    var isLeaf: Bool { (element.numChildren ?? 0) == 0 && element.type != nil }
  }

  let root: Node
  let columns: [LeafColumn]
  let leafCount: Int

  init(_ elements: [SchemaElement]) throws {
    var index = 0
    func build(_ depth: Int) throws -> Node {
      guard depth <= Self.maxDepth else { throw DecodeFailure("schema nested deeper than \(Self.maxDepth) groups") }
      guard index < elements.count else { throw DecodeFailure("schema ends inside a group (\(elements.count) elements)") }
      let node = Node(elements[index])
      index += 1
      let n = Int(node.element.numChildren ?? 0)
      guard n >= 0, n <= elements.count - index else {
        throw DecodeFailure("schema element '\(node.element.name)' has \(n) children, but \(elements.count - index) elements follow")
      }
      if n == 0 && depth > 0 && node.element.type == nil {
        throw DecodeFailure("schema element '\(node.element.name)' has neither children nor a type")
      }
      for _ in 0..<n { node.children.append(try build(depth + 1)) }
      return node
    }
    root = try build(0)
    guard index == elements.count else {
      throw DecodeFailure("schema has \(elements.count) elements, its root group covers \(index)")
    }

    var leafIndex = 0
    var columns = [LeafColumn]()
    for top in root.children {
      let leaves = Self.leaves(of: top)
      columns.append(Self.classify(top, firstLeaf: leafIndex, leafCount: leaves))
      leafIndex += leaves
    }
    self.columns = columns
    self.leafCount = leafIndex
  }

  static func leaves(of node: Node) -> Int {
    node.children.isEmpty ? 1 : node.children.reduce(0) { $0 + leaves(of: $1) }
  }

  static func describe(_ e: SchemaElement) -> String {
    let rep = ["required", "optional", "repeated"][Int(e.repetition?.rawValue ?? 0)]
    let type = e.type.map { "\($0)" } ?? (e.rawType.map { "type \($0)" } ?? "group")
    var notes = [String]()
    if let c = e.convertedType {
      let names = [0: "UTF8", 1: "MAP", 2: "MAP_KEY_VALUE", 3: "LIST", 4: "ENUM", 5: "DECIMAL", 19: "JSON"]
      notes.append(names[Int(c)] ?? "converted type \(c)")
    } else if let l = e.logicalType {
      let names = [1: "STRING", 2: "MAP", 3: "LIST", 4: "ENUM", 5: "DECIMAL", 12: "JSON"]
      notes.append(names[Int(l)] ?? "logical type \(l)")
    }
    return "\(rep) \(type)" + (notes.isEmpty ? "" : " (\(notes.joined(separator: ", ")))")
  }

  /// A top-level field's kind and levels.
  static func classify(_ top: Node, firstLeaf: Int, leafCount: Int) -> LeafColumn {
    let e = top.element
    let topDef = e.repetition == .optional ? 1 : 0
    func unsupported(_ description: String) -> LeafColumn {
      LeafColumn(
        column: ParquetColumn(name: e.name, kind: .unsupported, typeDescription: description), leafIndex: firstLeaf, path: [e.name],
        physicalType: nil, maxDefinitionLevel: 0, maxRepetitionLevel: 0, listDefinitionLevel: 0)
    }
    if top.children.isEmpty {
      guard let type = e.type else { return unsupported(describe(e)) }
      if e.repetition == .repeated {
        // a bare repeated leaf: a list that is never null, of elements never null
        guard e.isText else { return unsupported(describe(e)) }
        return LeafColumn(
          column: ParquetColumn(name: e.name, kind: .stringList, typeDescription: describe(e)), leafIndex: firstLeaf, path: [e.name],
          physicalType: type, maxDefinitionLevel: 1, maxRepetitionLevel: 1, listDefinitionLevel: 0)
      }
      let kind: ParquetColumn.Kind
      switch type {
      case .byteArray: kind = e.isText ? .string : .unsupported
      case .boolean, .int32, .int64, .float, .double: kind = e.isDecimal ? .unsupported : .number
      case .int96, .fixedLenByteArray: kind = .unsupported
      }
      return LeafColumn(
        column: ParquetColumn(name: e.name, kind: kind, typeDescription: describe(e)), leafIndex: firstLeaf, path: [e.name],
        physicalType: type, maxDefinitionLevel: topDef, maxRepetitionLevel: 0, listDefinitionLevel: 0, isUnsigned: e.isUnsigned)
    }
    // a LIST group with one repeated child: 3-level (repeated group of one element) or 2-level
    // (a repeated leaf); a repeated group named "array" or "<name>_tuple" is a list of structs
    guard e.isListAnnotated, e.repetition != .repeated, top.children.count == 1, leafCount == 1 else {
      return unsupported(describe(e))
    }
    let repeated = top.children[0]
    guard repeated.element.repetition == .repeated else { return unsupported(describe(e) + " of " + describe(repeated.element)) }
    let leaf: Node
    var elementDef = 0
    if repeated.children.isEmpty {
      leaf = repeated
    } else {
      guard repeated.children.count == 1, repeated.element.name != "array", repeated.element.name != "\(e.name)_tuple",
        repeated.children[0].children.isEmpty, repeated.children[0].element.repetition != .repeated
      else { return unsupported(describe(e) + " of a group") }
      leaf = repeated.children[0]
      elementDef = leaf.element.repetition == .optional ? 1 : 0
    }
    let description = describe(e) + " of " + describe(leaf.element)
    guard leaf.element.isText, let type = leaf.element.type else { return unsupported(description) }
    let path = leaf === repeated ? [e.name, repeated.element.name] : [e.name, repeated.element.name, leaf.element.name]
    return LeafColumn(
      column: ParquetColumn(name: e.name, kind: .stringList, typeDescription: description), leafIndex: firstLeaf, path: path,
      physicalType: type, maxDefinitionLevel: topDef + 1 + elementDef, maxRepetitionLevel: 1, listDefinitionLevel: topDef)
  }
}
