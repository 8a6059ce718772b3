import Foundation

/// Paths of test fixtures and of the repository, independent of the working directory, and
/// whether the large fixtures that tools/setup.sh makes are present.
public enum Fixtures {
  /// The repository root (two levels above Tests/TestSupport).
  public static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  public static func path(_ relative: String) -> String {
    root.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative).path
  }

  /// Where the imported multilingual-e5-small is looked for: `$TRAINER_E5_MODEL`, else
  /// `models/multilingual-e5-small`.
  public static var e5Model: String {
    ProcessInfo.processInfo.environment["TRAINER_E5_MODEL"] ?? root.appendingPathComponent("models/multilingual-e5-small").path
  }

  /// True when multilingual-e5-small is set up (its weights and SentencePiece model).
  public static var realModelReady: Bool {
    FileManager.default.fileExists(atPath: e5Model + "/model.safetensors")
      && FileManager.default.fileExists(atPath: e5Model + "/sentencepiece.bpe.model")
  }

  /// Where all-MiniLM-L6-v2 (a BERT) is looked for: `$TRAINER_MINILM_MODEL`, else
  /// `models/all-MiniLM-L6-v2` (tools/setup.sh).
  public static var miniLMModel: String {
    ProcessInfo.processInfo.environment["TRAINER_MINILM_MODEL"] ?? root.appendingPathComponent("models/all-MiniLM-L6-v2").path
  }

  /// True when all-MiniLM-L6-v2 is set up.
  public static var miniLMReady: Bool {
    FileManager.default.fileExists(atPath: miniLMModel + "/model.safetensors")
      && FileManager.default.fileExists(atPath: miniLMModel + "/vocab.txt")
  }

  /// True when data/kornlu holds KorNLI and KorSTS.
  public static var kornluReady: Bool {
    FileManager.default.fileExists(atPath: root.path + "/data/kornlu/KorNLI/xnli.dev.ko.tsv")
      && FileManager.default.fileExists(atPath: root.path + "/data/kornlu/KorSTS/sts-dev.tsv")
  }

  /// The release build of trainer, which the tests that start the binary run.
  public static var trainerBinary: String { root.appendingPathComponent(".build/release/trainer").path }

  /// True when the release build of trainer exists.
  public static var releaseBuildReady: Bool { FileManager.default.isExecutableFile(atPath: trainerBinary) }

  /// The CPU's flags (/proc/cpuinfo) include avx512_bf16 and TRAINER_NO_BF16 does not hide it:
  /// what `Precision.nativeBF16` reads from CPUID, for tests that cannot import Autograd.
  public static var nativeBF16: Bool {
    if let v = ProcessInfo.processInfo.environment["TRAINER_NO_BF16"], v != "" && v != "0" { return false }
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return false }
    return flags.split(separator: " ").contains("avx512_bf16")
  }

  /// Open MPI's mpirun, if installed.
  public static var mpirun: String? {
    ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// True when mpirun is installed.
  public static var mpirunReady: Bool { mpirun != nil }

  /// Chromium (Debian's `chromium`, or another build of it), if installed.
  public static var chromium: String? {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
      .first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// True when Chromium is installed.
  public static var chromiumReady: Bool { chromium != nil }

  /// True under CI (`CI` set), where every fixture above must be present (`RequiredFixturesTests`).
  public static var underCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

  /// A fresh temporary directory.
  public static func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}
