import DataSets
import Foundation
import HDF5Files
import SafeTensors
import TextEncoder
import TextFiles
import Tokenization
import TestSupport
import Testing
import Training

/// `mpirun -np 2 trainer run recipes/tiny.recipe`: the weights of one rank's run, a resume that
/// repeats an uninterrupted 2-rank run bit for bit, and a rank that dies or hangs stopping the
/// job with a message while the last checkpoint stays loadable. Each rank runs one thread (the
/// machine has two cores).
@Suite(.serialized, .needsRealModel, .needsKorNLU, .needsReleaseBuild, .needsMPIRun) struct MPIRunTests {
  static let binary = Fixtures.trainerBinary
  static let mpirun = Fixtures.mpirun

  /// The tiny recipe's arguments: output `out`, one thread per rank, `extra` overrides.
  static func arguments(_ out: URL, _ extra: [String]) -> [String] {
    ["run", Fixtures.root.path + "/recipes/tiny.recipe", "--set", "output=\(out.path)", "--threads", "1"] + extra
  }

  /// Starts `trainer` (on `ranks` ranks through mpirun when above 1) in the repository root.
  static func start(ranks: Int, _ args: [String], environment: [String: String] = [:], stderr: URL? = nil) throws -> Process {
    let p = Process()
    if ranks > 1 {
      p.executableURL = URL(fileURLWithPath: mpirun!)
      p.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", binary] + args
    } else {
      p.executableURL = URL(fileURLWithPath: binary)
      p.arguments = args
    }
    p.currentDirectoryURL = Fixtures.root
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    p.standardOutput = FileHandle.nullDevice
    if let stderr {
      FileManager.default.createFile(atPath: stderr.path, contents: nil)
      p.standardError = try FileHandle(forWritingTo: stderr)
    } else {
      p.standardError = FileHandle.nullDevice
    }
    try p.run()
    return p
  }

  static func run(ranks: Int, _ args: [String]) throws {
    let p = try start(ranks: ranks, args)
    p.waitUntilExit()
    #expect(p.terminationStatus == 0, "trainer \(args.joined(separator: " ")) on \(ranks) rank(s) failed")
  }

  static func weights(_ checkpoint: URL) throws -> [String: [Float]] {
    let file = try SafeTensorsFile(path: checkpoint.appendingPathComponent("model.safetensors").path)
    var out: [String: [Float]] = [:]
    for name in file.entries.keys { out[name] = try file.floats(name) }
    return out
  }

  /// Dropout off. AdamW's eps is 1e-6 here: at the default 1e-8, a weight whose gradient is
  /// near 1e-8 (at float rounding noise) moves by about lr · sign(noise), so any change in the
  /// order of the sums moves it: one rank on 1 thread and on 2 threads differ by 2.7e-6 there
  /// (26 of 118 M weights above 1e-6), as 1 and 2 ranks do (2.9e-6, 20 weights).
  @Test func twoRanksEndWithOneRanksWeights() throws {
    try twoRanksAgainstOne(precision: "fp32", weightTolerance: 1e-6, lossTolerance: 1e-5)
  }

  /// The same in bf16. Each rank's products see its share of the rows, whose fp32 sums can
  /// differ from one rank's in the last bits; a bf16 rounding that such a bit tips moves a value
  /// by 2⁻⁹ of itself, and AdamW carries that on: the runs agree to 1e-3 (weights; measured 5.6e-5
  /// on AMD Zen 5) and 5e-3 of the loss (measured 7.4e-4), not to float rounding.
  @Test(.needsNativeBF16) func twoRanksInBF16EndNearOneRanksWeights() throws {
    try twoRanksAgainstOne(precision: "bf16", weightTolerance: 1e-3, lossTolerance: 5e-3)
  }

  func twoRanksAgainstOne(precision: String, weightTolerance: Float, lossTolerance: Double) throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let settings = [
      "--max-steps", "5", "--set", "stages.0.dropout=false", "--set", "stages.1.dropout=false",
      "--set", "stages.0.optimizer.eps=1.0e-6", "--set", "stages.1.optimizer.eps=1.0e-6", "--set", "precision=\(precision)",
    ]
    try Self.run(ranks: 1, Self.arguments(dir.appendingPathComponent("one"), settings))
    try Self.run(ranks: 2, Self.arguments(dir.appendingPathComponent("two"), settings))
    let a = try Self.weights(dir.appendingPathComponent("one/checkpoints/step-0000005"))
    let b = try Self.weights(dir.appendingPathComponent("two/checkpoints/step-0000005"))
    let base = try Self.weights(URL(fileURLWithPath: Fixtures.e5Model))
    var worst: Float = 0, moved: Float = 0
    for (name, w) in a {
      worst = max(worst, zip(w, b[name]!).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) })
      // (a base model imported before exports carried pooler.dense has none to compare with)
      if let start = base[name] { moved = max(moved, zip(w, start).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }) }
    }
    #expect(worst <= weightTolerance, "\(precision): weights after 5 steps differ by \(worst) between 1 and 2 ranks")
    #expect(moved > 1e-5, "the weights hardly moved (\(moved)): nothing was compared")
    let state = try TrainerState.read(dir.appendingPathComponent("two/checkpoints/step-0000005/trainer_state.json"))
    #expect(state.worldSize == 2)
    // the logged losses agree step by step
    func losses(_ run: String) throws -> [Double] {
      try String(contentsOf: dir.appendingPathComponent("\(run)/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }.compactMap { $0["loss"] as? Double }
    }
    let (la, lb) = (try losses("one"), try losses("two"))
    #expect(la.count == 5 && lb.count == 5)
    for (x, y) in zip(la, lb) { #expect(abs(x - y) <= lossTolerance * abs(x), "\(precision): loss \(y) on 2 ranks, \(x) on one") }
  }

  /// Dropout on: stopped after step 2 and resumed on 2 ranks (across the stage boundary at step
  /// 3), the run ends with the bits of an uninterrupted 2-rank run.
  @Test func aTwoRankResumeRepeatsAnUninterruptedTwoRankRun() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let straight = dir.appendingPathComponent("straight"), resumed = dir.appendingPathComponent("resumed")
    try Self.run(ranks: 2, Self.arguments(straight, ["--max-steps", "5"]))
    try Self.run(ranks: 2, Self.arguments(resumed, ["--max-steps", "2"]))
    try Self.run(ranks: 2, Self.arguments(resumed, ["--max-steps", "5", "--resume"]))
    let a = try Data(contentsOf: straight.appendingPathComponent("checkpoints/step-0000005/model.safetensors"))
    let b = try Data(contentsOf: resumed.appendingPathComponent("checkpoints/step-0000005/model.safetensors"))
    #expect(a == b)
    let o1 = try Data(contentsOf: straight.appendingPathComponent("checkpoints/step-0000005/optimizer.safetensors"))
    let o2 = try Data(contentsOf: resumed.appendingPathComponent("checkpoints/step-0000005/optimizer.safetensors"))
    #expect(o1 == o2)
  }

  /// Rank 1 killed (SIGKILL) after the first checkpoint, or stopped (SIGSTOP: a rank that hangs,
  /// which mpirun cannot see): the job ends within a bounded time with a message, and the last
  /// checkpoint loads.
  @Test(arguments: ["killed", "hung"])
  func aRankThatDiesOrHangsStopsTheJob(_ failure: String) throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("run"), log = dir.appendingPathComponent("stderr.txt")
    let job = try Self.start(
      ranks: 2, Self.arguments(out, ["--set", "stages.1.steps=200", "--set", "stages.0.checkpoint.every=1"]),
      environment: ["TRAINER_MPI_TIMEOUT": "20"], stderr: log)
    let first = out.appendingPathComponent("checkpoints/step-0000001/trainer_state.json")
    var deadline = Date().addingTimeInterval(300)
    while !FileManager.default.fileExists(atPath: first.path) && job.isRunning && Date() < deadline { usleep(20_000) }
    #expect(job.isRunning, "the job ended before its first checkpoint")
    // rank 1: the trainer process whose OMPI_COMM_WORLD_RANK is 1
    let pids = try Self.children(of: job.processIdentifier)
    guard let rank1 = pids.first(where: { Self.environment(of: $0)["OMPI_COMM_WORLD_RANK"] == "1" }) else {
      Issue.record("no rank 1 among \(pids)")
      job.terminate()
      return
    }
    let t0 = Date()
    kill(rank1, failure == "killed" ? SIGKILL : SIGSTOP)
    deadline = Date().addingTimeInterval(120)
    while job.isRunning && Date() < deadline { usleep(50_000) }
    let seconds = Date().timeIntervalSince(t0)
    if job.isRunning {
      kill(rank1, SIGKILL)
      job.terminate()
      Issue.record("the job still runs \(Int(seconds)) s after rank 1 was \(failure)")
      return
    }
    #expect(job.terminationStatus != 0)
    let text = try String(contentsOf: log, encoding: .utf8)
    if failure == "killed" {
      #expect(text.contains("stopped by SIGTERM") || text.contains("exited on signal 9"), "stderr: \(text)")
    } else {
      #expect(text.contains("rank 0 of 2 waited 20 s"), "stderr: \(text)")
    }
    let complete = Checkpoint.list(in: out.appendingPathComponent("checkpoints"))
    #expect(!complete.isEmpty)
    if let last = complete.last {
      _ = try SafeTensorsFile(path: last.url.appendingPathComponent("model.safetensors").path)
      _ = try SafeTensorsFile(path: last.url.appendingPathComponent("optimizer.safetensors").path)
    }
  }

  /// `trainer mine` and `trainer score` on 2 ranks (the ranks embed the corpus chunks in turn,
  /// score their shares of the pairs; rank 0 writes) write what one rank writes.
  @Test func miningAndScoringOnTwoRanksWriteWhatOneRankWrites() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    // a data set of 120 KorNLI triplets with 200 more corpus texts, and a tiny cross-encoder teacher
    let triplets = try DataSetTrainingTests.triplets(count: 120)
    let rows = try TextLines.readTSV(path: Fixtures.root.path + "/data/kornlu/KorSTS/sts-dev.tsv", required: ["sentence1"])
    let tokenizer = try Tokenizer.load(directory: URL(fileURLWithPath: Fixtures.e5Model))
    let one = dir.appendingPathComponent("one.h5").path, two = dir.appendingPathComponent("two.h5").path
    _ = try DataSetBuilder.build(
      examples: triplets, corpusTexts: rows.prefix(200).map { $0["sentence1"]! }, tokenizer: tokenizer, sources: ["t"], output: one)
    try FileManager.default.copyItem(atPath: one, toPath: two)
    let tiny = try tinyModel(in: dir, layers: 2, width: 32, heads: 4)
    let teacher = try SentenceEncoder(directory: tiny.path, crossEncoderHeadSeed: 5)
    let teacherDir = dir.appendingPathComponent("teacher").path
    try ModelDirectoryWriter(layout: .init()).write(
      encoder: teacher.encoder, sentencePieceModel: try Data(contentsOf: tiny.appendingPathComponent("sentencepiece.bpe.model")),
      to: teacherDir)

    let mine = [
      "--model", Fixtures.e5Model, "--k", "2", "--rank-window", "3-30", "--chunk-rows", "96",
      "--query-prefix", "query: ", "--passage-prefix", "passage: ", "--max-length", "32", "--threads", "1",
    ]
    try Self.run(ranks: 1, ["mine", one] + mine)
    try Self.run(ranks: 2, ["mine", two] + mine)
    try Self.run(ranks: 1, ["score", teacherDir, one, "--threads", "1"])
    try Self.run(ranks: 2, ["score", teacherDir, two, "--threads", "1"])
    let a = try HDF5File.open(path: one), b = try HDF5File.open(path: two)
    let negatives: [Int64] = try a.read(DataSetLayout.minedNegatives, as: Int64.self)
    #expect(negatives.count == 240 && negatives.filter { $0 >= 0 }.count > 200)
    #expect(try b.read(DataSetLayout.minedNegatives, as: Int64.self) == negatives)
    #expect(try a.read(DataSetLayout.minedScores, as: Float.self).map(\.bitPattern) == b.read(DataSetLayout.minedScores, as: Float.self).map(\.bitPattern))
    let scores: [Float] = try a.read(DataSetLayout.teacherScores, as: Float.self)
    #expect(scores.count == 360 && scores.allSatisfy(\.isFinite))
    #expect(try b.read(DataSetLayout.teacherScores, as: Float.self).map(\.bitPattern) == scores.map(\.bitPattern))
    #expect(!FileManager.default.fileExists(atPath: two + ".mine"))
  }

  /// Descendant process ids of `pid` (mpirun starts the ranks through its daemon, or directly).
  static func children(of pid: Int32) throws -> [Int32] {
    var found: [Int32] = [], frontier = [pid]
    while let p = frontier.popLast() {
      let path = "/proc/\(p)/task/\(p)/children"
      let kids = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: " ").compactMap { Int32($0) }
      found += kids
      frontier += kids
    }
    return found
  }

  static func environment(of pid: Int32) -> [String: String] {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return [:] }
    var out: [String: String] = [:]
    for entry in data.split(separator: 0) {
      let s = String(decoding: entry, as: UTF8.self)
      if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
    }
    return out
  }
}
