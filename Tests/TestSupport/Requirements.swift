import Testing

/// Traits that skip a test (or suite) where a large fixture is missing; under CI
/// `RequiredFixturesTests` fails instead, so none is skipped there unnoticed.
extension Trait where Self == ConditionTrait {
  /// multilingual-e5-small in models/ (tools/setup.sh).
  public static var needsRealModel: Self {
    .enabled(if: Fixtures.realModelReady, "models/multilingual-e5-small missing (tools/setup.sh)")
  }

  /// all-MiniLM-L6-v2 in models/ (tools/setup.sh).
  public static var needsMiniLM: Self {
    .enabled(if: Fixtures.miniLMReady, "models/all-MiniLM-L6-v2 missing (tools/setup.sh)")
  }

  /// KorNLI and KorSTS in data/kornlu (part of the repository).
  public static var needsKorNLU: Self {
    .enabled(if: Fixtures.kornluReady, "data/kornlu missing (it is part of the repository)")
  }

  /// The release build of trainer (`swift build -c release`).
  public static var needsReleaseBuild: Self {
    .enabled(if: Fixtures.releaseBuildReady, ".build/release/trainer missing (swift build -c release)")
  }

  /// A CPU with native bf16 dot products (AVX512_BF16), not hidden by TRAINER_NO_BF16: where
  /// there is none, bf16 cannot run and its tests are skipped (the suite passes on both kinds).
  public static var needsNativeBF16: Self {
    .enabled(if: Fixtures.nativeBF16, "this CPU has no native bf16 dot products (AVX512_BF16 in /proc/cpuinfo), or TRAINER_NO_BF16 hides them")
  }

  /// Open MPI's mpirun (`TRAINER_MPI=1 tools/setup.sh`).
  public static var needsMPIRun: Self {
    .enabled(if: Fixtures.mpirunReady, "mpirun missing (TRAINER_MPI=1 tools/setup.sh)")
  }

  /// Headless Chromium, to render the HTML report (`TRAINER_BROWSER=1 tools/setup.sh`).
  public static var needsChromium: Self {
    .enabled(if: Fixtures.chromiumReady, "chromium missing (TRAINER_BROWSER=1 tools/setup.sh, or apt-get install chromium)")
  }
}
