import Dispatch

/// Reverse-mode automatic differentiation over fused, hand-differentiated ops.
///
/// The forward pass runs eagerly: each op computes its output at once and records, on the
/// tape, the inputs it read, the outputs it wrote and its backward kernel. `backward(from:)`
/// seeds the gradient of the root and runs the recorded backward kernels in reverse order. Every
/// backward kernel accumulates (`+=`) into the gradients of its inputs. Inputs that need no
/// gradient get none (their gradient buffer is nil and the kernel skips that term); an op whose
/// inputs need no gradient is not recorded at all. An op recorded without a backward kernel
/// makes `backward` throw rather than silently contribute zero.
///
/// Values: activations are tensors owned by the tape (kept until the tape is released, so a fused
/// op's output should be a value some backward kernel needs); parameters are views into a
/// `ParameterStore`, whose twin gradient buffer receives their gradients.
public final class Tape {
  /// A handle to one value on a tape.
  public struct Variable: Hashable, Sendable {
    public let id: Int
  }

  final class Node {
    let shape: [Int]
    let count: Int
    let value: UnsafeMutablePointer<Float>
    let storage: Tensor?  // nil for parameter views
    let requiresGrad: Bool
    let isLeaf: Bool
    var grad: UnsafeMutablePointer<Float>?
    var gradStorage: Tensor?
    /// For parameters: the store, and the views of its tables that the parameter covers.
    var store: ParameterStore?
    var tables: [Int] = []

    init(shape: [Int], value: UnsafeMutablePointer<Float>, storage: Tensor?, requiresGrad: Bool, isLeaf: Bool,
         grad: UnsafeMutablePointer<Float>? = nil) {
      self.shape = shape
      self.count = shape.reduce(1, *)
      self.value = value
      self.storage = storage
      self.requiresGrad = requiresGrad
      self.isLeaf = isLeaf
      self.grad = grad
    }
  }

  struct Record {
    let op: String
    let outputs: [Variable]
    let backward: ((Tape) -> Void)?
  }

  private var nodes: [Node] = []
  private var records: [Record] = []
  private var parameters: [ObjectIdentifier: [String: Variable]] = [:]
  private var dropoutRandom: SplitMix64

  /// Time spent per op name, when profiling: forward (from the op's output allocation to its
  /// record) and backward, in seconds, and the number of calls.
  public struct OpTime: Sendable {
    public var forward = 0.0
    public var backward = 0.0
    public var calls = 0
    public init() {}
  }
  public private(set) var profile: [String: OpTime]?
  private var forwardStart: UInt64 = 0

  /// `seed` drives the dropout masks of this tape, one draw per dropout op in recording order.
  /// `profile` records the time of every op (see `profile`).
  public init(seed: UInt64 = 0, profile: Bool = false) {
    dropoutRandom = SplitMix64(seed: seed)
    self.profile = profile ? [:] : nil
  }

  // MARK: leaves

  /// A value that needs no gradient (token data, targets, teacher scores).
  public func constant(_ t: Tensor) -> Variable {
    add(Node(shape: t.shape, value: t.data, storage: t, requiresGrad: false, isLeaf: true))
  }

  /// A leaf whose gradient is wanted (read it with `gradient(_:)` after `backward`).
  public func input(_ t: Tensor) -> Variable {
    add(Node(shape: t.shape, value: t.data, storage: t, requiresGrad: true, isLeaf: true))
  }

  /// Parameter `name` of `store`; its gradient accumulates into the store's gradient buffer.
  /// Asking twice for the same parameter gives the same variable.
  public func parameter(_ name: String, of store: ParameterStore) -> Variable {
    let key = ObjectIdentifier(store)
    if let v = parameters[key]?[name] { return v }
    guard let view = store.view(name) else { preconditionFailure("no parameter named \(name)") }
    let node = Node(shape: view.shape, value: store.unsettledValues + view.offset, storage: nil, requiresGrad: true,
                    isLeaf: true, grad: store.gradientBuffer + view.offset)
    node.store = store
    node.tables = store.tables(overlapping: view.offset, count: view.count)
    let v = add(node)
    parameters[key, default: [:]][name] = v
    return v
  }

  /// Parameters `names` of `store` as one tensor of `shape` (they must lie back to back, see
  /// `ParameterStore.contiguousOffset`): e.g. the query, key and value weights as one (3C, C)
  /// matrix. Its gradient lands in theirs.
  public func parameter(spanning names: [String], of store: ParameterStore, shape: [Int]) -> Variable {
    let key = ObjectIdentifier(store), joined = names.joined(separator: "+")
    if let v = parameters[key]?[joined] { return v }
    guard let offset = store.contiguousOffset(names) else { preconditionFailure("parameters \(names) are not contiguous") }
    precondition(names.reduce(0) { $0 + (store.view($1)?.count ?? 0) } == shape.reduce(1, *), "span \(names) is not \(shape)")
    let node = Node(shape: shape, value: store.unsettledValues + offset, storage: nil, requiresGrad: true, isLeaf: true,
                    grad: store.gradientBuffer + offset)
    node.store = store
    node.tables = store.tables(overlapping: offset, count: node.count)
    let v = add(node)
    parameters[key, default: [:]][joined] = v
    return v
  }

  // MARK: reading values

  public func shape(_ v: Variable) -> [Int] { nodes[v.id].shape }
  public func count(_ v: Variable) -> Int { nodes[v.id].count }
  /// The values of `v`, up to date: not a plain getter. When `v` is a parameter that covers a
  /// table, the store first applies the weight decay the table's rows still owe (it writes the
  /// store; see `ParameterStore+OwedDecay.swift`). Ops read their inputs through it.
  public func value(_ v: Variable) -> UnsafeMutablePointer<Float> {
    let n = nodes[v.id]
    if let store = n.store { for k in n.tables { store.settle(view: k) } }
    return n.value
  }

  /// The values of `v` for a kernel that reads only rows `rows` of it (an embedding gather): of
  /// a parameter table only those rows are brought up to date (settled), the rest may still owe
  /// weight decay.
  /// The bf16 copy of parameter `v` when its store's precision is bf16 (see
  /// `ParameterStore+BF16.swift`); nil in fp32 and for values that are not parameters.
  public func bf16Copy(_ v: Variable) -> BF16.Buffer? {
    let n = nodes[v.id]
    guard let store = n.store, store.precision == .bf16 else { return nil }
    for k in n.tables { store.settle(view: k) }
    return store.bf16Copy(of: n.value, count: n.count)
  }

  func value(_ v: Variable, readingRows rows: UnsafeBufferPointer<Int32>) -> UnsafeMutablePointer<Float> {
    let n = nodes[v.id]
    if let store = n.store, n.tables.count == 1, store.views[n.tables[0]].count == n.count {
      store.settle(view: n.tables[0], rows: rows)
      return n.value
    }
    return value(v)
  }
  /// A copy of the values of `v`, up to date (see `value(_:)`).
  public func array(_ v: Variable) -> [Float] { Array(UnsafeBufferPointer(start: value(v), count: nodes[v.id].count)) }
  public func scalar(_ v: Variable) -> Float {
    precondition(nodes[v.id].count == 1, "scalar() of a value of shape \(nodes[v.id].shape)")
    return nodes[v.id].value[0]
  }
  public func requiresGrad(_ v: Variable) -> Bool { nodes[v.id].requiresGrad }

  /// The gradient of a leaf after `backward` (nil when no gradient reached it).
  public func gradient(_ v: Variable) -> [Float]? {
    let n = nodes[v.id]
    return n.grad.map { Array(UnsafeBufferPointer(start: $0, count: n.count)) }
  }

  /// Operations recorded so far (with a backward to run), in order.
  public var recordedOps: [String] { records.map(\.op) }

  // MARK: for op implementations

  /// A new activation of `shape`, zeroed unless the op promises to write all of it
  /// (`overwritten`); it needs a gradient if any of `inputs` does.
  public func output(shape: [Int], from inputs: [Variable], overwritten: Bool = false) -> Variable {
    let t = overwritten ? Tensor(uninitializedShape: shape) : Tensor(shape: shape)
    let needs = inputs.contains { nodes[$0.id].requiresGrad }
    if profile != nil { forwardStart = DispatchTime.now().uptimeNanoseconds }
    return add(Node(shape: shape, value: t.data, storage: t, requiresGrad: needs, isLeaf: false))
  }

  /// Records op `name` that wrote `outputs`. Nothing is recorded when no output needs a
  /// gradient. `backward` nil declares an op that cannot be differentiated: `backward(from:)`
  /// then throws if a gradient reaches it.
  public func record(_ name: String, outputs: [Variable], backward: ((Tape) -> Void)?) {
    guard outputs.contains(where: { nodes[$0.id].requiresGrad }) else { return }
    if profile != nil {
      profile![name, default: OpTime()].forward += Double(DispatchTime.now().uptimeNanoseconds - forwardStart) / 1e9
      profile![name, default: OpTime()].calls += 1
    }
    records.append(Record(op: name, outputs: outputs, backward: backward))
  }

  /// The next dropout seed (one per dropout op, so a mask can be regenerated in backward).
  public func nextDropoutSeed() -> UInt64 { dropoutRandom.next() }

  /// During backward: the gradient flowing into output `v` (nil if none reached it).
  public func upstream(_ v: Variable) -> UnsafePointer<Float>? { nodes[v.id].grad.map { UnsafePointer($0) } }

  /// During backward: where to accumulate the gradient of input `v`, allocated zeroed on first
  /// use; nil when `v` needs no gradient, so the kernel skips that term.
  public func gradientBuffer(_ v: Variable) -> UnsafeMutablePointer<Float>? {
    let n = nodes[v.id]
    guard n.requiresGrad else { return nil }
    if !n.tables.isEmpty { n.store?.noteDenseGradient(views: n.tables) }
    if let g = n.grad { return g }
    let t = Tensor(shape: n.shape)
    n.gradStorage = t
    n.grad = t.data
    return t.data
  }

  /// During backward: like `gradientBuffer(_:)`, for a kernel that accumulates only into rows
  /// `rows` of `v` (an embedding gather's scatter-add), so that a parameter table's untouched
  /// rows stay known to be zero.
  public func gradientBuffer(_ v: Variable, rows: UnsafeBufferPointer<Int32>) -> UnsafeMutablePointer<Float>? {
    let n = nodes[v.id]
    guard n.requiresGrad else { return nil }
    // a span of whole views that overlaps one table and has its size is that table
    if let store = n.store, n.tables.count == 1, store.views[n.tables[0]].count == n.count {
      store.noteGradientRows(view: n.tables[0], rows: rows)
      return n.grad
    }
    return gradientBuffer(v)
  }

  // MARK: backward

  /// Back-propagates from `root`. A scalar root is seeded with 1 unless `seed` is given; any
  /// other root needs a `seed` of its size (the gradient of some outer loss with respect to it,
  /// as GradCache injects). Gradients of intermediate values are released once consumed;
  /// leaves (inputs and parameters) keep theirs. Throws if the gradient reaches an op without a
  /// backward kernel.
  public func backward(from root: Variable, seed: [Float]? = nil) throws {
    let r = nodes[root.id]
    guard r.requiresGrad else { throw AutogradError.noGradientPath }
    guard let g = gradientBuffer(root) else { return }
    if let seed {
      guard seed.count == r.count else { throw AutogradError.seedShape(expected: r.shape, got: seed.count) }
      for i in 0..<r.count { g[i] += seed[i] }
    } else {
      guard r.count == 1 else { throw AutogradError.seedShape(expected: r.shape, got: nil) }
      g[0] += 1
    }
    while let rec = records.popLast() {
      guard rec.outputs.contains(where: { nodes[$0.id].grad != nil }) else { continue }
      guard let kernel = rec.backward else { throw AutogradError.missingBackward(op: rec.op) }
      // outputs that got no gradient read as zeros
      for o in rec.outputs where nodes[o.id].grad == nil { _ = gradientBuffer(o) }
      let t0 = profile == nil ? 0 : DispatchTime.now().uptimeNanoseconds
      kernel(self)
      if profile != nil { profile![rec.op, default: OpTime()].backward += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
      for o in rec.outputs where !nodes[o.id].isLeaf {
        nodes[o.id].grad = nil
        nodes[o.id].gradStorage = nil
      }
    }
  }

  private func add(_ n: Node) -> Variable {
    nodes.append(n)
    return Variable(id: nodes.count - 1)
  }
}

public typealias Variable = Tape.Variable

public enum AutogradError: Error, CustomStringConvertible {
  case missingBackward(op: String)
  case noGradientPath
  case seedShape(expected: [Int], got: Int?)

  public var description: String {
    switch self {
    case .missingBackward(let op):
      "the gradient reached op '\(op)', which has no backward kernel"
    case .noGradientPath:
      "backward from a value that depends on nothing with a gradient"
    case .seedShape(let shape, let got):
      got.map { "backward seed has \($0) values; the root has shape \(shape)" }
        ?? "backward from a non-scalar root of shape \(shape) needs a seed gradient"
    }
  }
}
