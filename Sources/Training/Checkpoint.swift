import Autograd
import Foundation
import SafeTensors
import TextEncoder

/// A checkpoint directory: a sentence-transformers / Hugging Face model directory (loadable as
/// is) plus `optimizer.safetensors` (AdamW moments) and `trainer_state.json`. It is assembled
/// under a hidden temporary name and renamed into place in one step, so a crash leaves either
/// the complete checkpoint or none; `trainer_state.json` is written last inside it, with the
/// XXH64 checksum of every other file.
public enum Checkpoint {
  public static func name(globalStep: Int) -> String { String(format: "step-%07d", globalStep) }

  public static func write(
    to dir: URL, encoder: Encoder, layout: SentenceTransformersLayout, tokenizer: TokenizerFiles,
    optimizer: AdamW?, state: TrainerState, modelCard: String, head: ObjectiveHead? = nil
  ) throws {
    let fm = FileManager.default
    let staging = dir.deletingLastPathComponent().appendingPathComponent(".\(dir.lastPathComponent).partial")
    try? fm.removeItem(at: staging)
    do {
      var writer = ModelDirectoryWriter(layout: layout)
      writer.extraFiles["README.md"] = Data(modelCard.utf8)
      try writer.write(encoder: encoder, tokenizer: tokenizer, to: staging.path)
      if let optimizer {
        var w = SafeTensorsWriter(metadata: ["step": "\(optimizer.step)", "parameters": "\(encoder.store.count)", "layout": "packed"])
        let packed = packedMoments(optimizer)
        for (name, rows) in packed.rows { w.add("rows.\(name)", shape: [rows.count], int64s: rows) }
        // written straight from the optimizer's buffers, span by span
        w.add("exp_avg", shape: [packed.count], spans: packed.m, as: .f32)
        w.add("exp_avg_sq", shape: [packed.count], spans: packed.v, as: .f32)
        try w.write(to: staging.appendingPathComponent("optimizer.safetensors").path)
      }
      // the loss's own parameters (a projection), outside the model's files
      try head?.write(to: staging.appendingPathComponent(ObjectiveHead.file).path)
      var state = state
      state.checksums = try checksums(of: staging)
      try state.jsonData().write(to: staging.appendingPathComponent("trainer_state.json"))
      if fm.fileExists(atPath: dir.path) { try fm.removeItem(at: dir) }
      try fm.moveItem(at: staging, to: dir)
    } catch {
      try? fm.removeItem(at: staging)
      throw error
    }
  }

  /// XXH64 of every regular file under `dir` but `trainer_state.json`, by relative path.
  static func checksums(of dir: URL) throws -> [String: String] {
    var sums: [String: String] = [:]
    let fm = FileManager.default
    for case let path as String in fm.enumerator(atPath: dir.path)?.allObjects ?? [] where path != "trainer_state.json" {
      let url = dir.appendingPathComponent(path)
      guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
      sums[path] = XXH64.label(try XXH64.hash(file: url.path))
    }
    return sums
  }

  /// Why the files of checkpoint `dir` do not match the checksums its state records (a file
  /// missing or changed), or nil when they match or the state records none (earlier versions).
  public static func damage(of dir: URL, state: TrainerState) -> String? {
    for (path, recorded) in (state.checksums ?? [:]).sorted(by: { $0.key < $1.key }) {
      let url = dir.appendingPathComponent(path)
      guard FileManager.default.fileExists(atPath: url.path) else { return "\(path) is missing" }
      guard let actual = try? XXH64.label(XXH64.hash(file: url.path)) else { return "\(path) cannot be read" }
      if actual != recorded { return "\(path) does not match its checksum in trainer_state.json (\(recorded), the file has \(actual))" }
    }
    return nil
  }

  /// The checkpoint directories under `dir` (step-NNNNNNN, complete or not), oldest first.
  public static func directories(in dir: URL) -> [URL] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasPrefix("step-") }.sorted().map { dir.appendingPathComponent($0) }
  }

  /// Complete checkpoints under `dir` (those with a trainer state), oldest first.
  public static func list(in dir: URL) -> [(url: URL, state: TrainerState)] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasPrefix("step-") }.sorted().compactMap { name in
      let url = dir.appendingPathComponent(name)
      guard let state = try? TrainerState.read(url.appendingPathComponent("trainer_state.json")) else { return nil }
      return (url, state)
    }
  }

  /// Points the symbolic link `best` beside the checkpoints at `dir` (replaced in one rename).
  public static func markBest(_ dir: URL) throws {
    let parent = dir.deletingLastPathComponent()
    let link = parent.appendingPathComponent("best"), staging = parent.appendingPathComponent(".best.partial")
    try? FileManager.default.removeItem(at: staging)
    try FileManager.default.createSymbolicLink(atPath: staging.path, withDestinationPath: dir.lastPathComponent)
    guard rename(staging.path, link.path) == 0 else {
      throw TrainingError.checkpoint(path: link.path, detail: "cannot mark the best checkpoint: \(String(cString: strerror(errno)))")
    }
  }

  /// The AdamW moments as `optimizer.safetensors` holds them ("packed"): every parameter's in
  /// order, without the padding between them, and of an embedding table only the rows whose
  /// moments are not zero (rows never trained; most of a multilingual vocabulary), which
  /// `rows.<table>` lists. Of multilingual-e5-small's 117.5 M moments a KorNLI + KorSTS run
  /// keeps about a fifth of the table's.
  static func packedMoments(_ optimizer: AdamW) -> (m: [UnsafeBufferPointer<Float>], v: [UnsafeBufferPointer<Float>], count: Int, rows: [(String, [Int64])]) {
    let store = optimizer.store, m = optimizer.m.data, v = optimizer.v.data
    var pm: [UnsafeBufferPointer<Float>] = [], pv: [UnsafeBufferPointer<Float>] = [], rows: [(String, [Int64])] = []
    var count = 0
    func keep(_ offset: Int, _ n: Int) {
      // consecutive spans merge into one
      if let last = pm.last, last.baseAddress! + last.count == m + offset {
        pm[pm.count - 1] = UnsafeBufferPointer(start: last.baseAddress, count: last.count + n)
        pv[pv.count - 1] = UnsafeBufferPointer(start: pv.last!.baseAddress, count: last.count + n)
      } else {
        pm.append(UnsafeBufferPointer(start: m + offset, count: n))
        pv.append(UnsafeBufferPointer(start: v + offset, count: n))
      }
      count += n
    }
    for view in store.views {
      if ParameterStore.isTable(view) {
        let width = view.shape[1]
        var kept: [Int64] = []
        for r in 0..<view.shape[0] where !isZero(m + view.offset + r * width, v + view.offset + r * width, count: width) {
          kept.append(Int64(r))
          keep(view.offset + r * width, width)
        }
        rows.append((view.name, kept))
      } else {
        keep(view.offset, view.count)
      }
    }
    return (pm, pv, count, rows)
  }

  /// Whether a[0..<n] and b[0..<n] are all zero (−0 counts as zero).
  private static func isZero(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Bool {
    var i = 0
    var nonZero = SIMDMask<SIMD8<Int32>>(repeating: false)
    while i + 8 <= n {
      let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
      let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
      nonZero = nonZero .| (x .!= 0) .| (y .!= 0)
      i += 8
    }
    if any(nonZero) { return false }
    while i < n {
      if a[i] != 0 || b[i] != 0 { return false }
      i += 1
    }
    return true
  }

  /// Restores AdamW moments and step from a checkpoint (packed, or whole as earlier versions
  /// wrote them).
  public static func loadOptimizer(_ optimizer: AdamW, from dir: URL) throws {
    let path = dir.appendingPathComponent("optimizer.safetensors").path
    let file = try SafeTensorsFile(path: path)
    if file.metadata["layout"] == "packed" {
      try unpackMoments(file, path: path, into: optimizer)
    } else {
      for (name, t) in [("exp_avg", optimizer.m), ("exp_avg_sq", optimizer.v)] {
        guard let e = file.entries[name], e.shape == [t.count] else {
          throw TrainingError.checkpoint(path: path, detail: "tensor \(name) missing or not [\(t.count)]")
        }
        try file.copyFloats(name, into: t.data)
      }
    }
    guard let step = file.metadata["step"].flatMap({ Int($0) }) else {
      throw TrainingError.checkpoint(path: path, detail: "metadata has no optimizer step")
    }
    optimizer.step = step
    optimizer.recomputeActiveRows()
  }

  static func unpackMoments(_ file: SafeTensorsFile, path: String, into optimizer: AdamW) throws {
    let store = optimizer.store
    var tableRows: [String: [Int64]] = [:]
    var expected = 0
    for view in store.views {
      if ParameterStore.isTable(view) {
        guard file.entries["rows.\(view.name)"] != nil else {
          throw TrainingError.checkpoint(path: path, detail: "tensor rows.\(view.name) missing (the moments' rows of that table)")
        }
        let rows = try file.int64s("rows.\(view.name)")
        guard rows.allSatisfy({ $0 >= 0 && $0 < Int64(view.shape[0]) }), zip(rows, rows.dropFirst()).allSatisfy({ $0 < $1 }) else {
          throw TrainingError.checkpoint(path: path, detail: "rows.\(view.name) must be ascending rows of its \(view.shape[0])")
        }
        tableRows[view.name] = rows
        expected += rows.count * view.shape[1]
      } else {
        expected += view.count
      }
    }
    for (name, t) in [("exp_avg", optimizer.m), ("exp_avg_sq", optimizer.v)] {
      guard let e = file.entries[name], e.shape == [expected] else {
        throw TrainingError.checkpoint(path: path, detail: "tensor \(name) missing or not [\(expected)] (packed moments of this model)")
      }
      let packed = try file.floats(name)
      t.data.update(repeating: 0, count: t.count)
      packed.withUnsafeBufferPointer { p in
        var at = 0
        for view in store.views {
          if let rows = tableRows[view.name] {
            let width = view.shape[1]
            for r in rows {
              (t.data + view.offset + Int(r) * width).update(from: p.baseAddress! + at, count: width)
              at += width
            }
          } else {
            (t.data + view.offset).update(from: p.baseAddress! + at, count: view.count)
            at += view.count
          }
        }
      }
    }
  }
}
