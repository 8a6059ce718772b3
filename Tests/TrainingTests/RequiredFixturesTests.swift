import TestSupport
import Testing

/// Under CI every test runs: the fixtures that other tests skip without (`.needsRealModel`,
/// `.needsMiniLM`, `.needsKorNLU`, `.needsReleaseBuild`, `.needsMPIRun`, `.needsChromium`) must
/// be present there.
@Suite struct RequiredFixturesTests {
  @Test(.enabled(if: Fixtures.underCI, "runs only under CI"))
  func everyLargeFixtureIsPresentUnderCI() {
    #expect(Fixtures.realModelReady, "models/multilingual-e5-small missing: run tools/setup.sh")
    #expect(Fixtures.kornluReady, "data/kornlu missing: run tools/setup.sh")
    #expect(Fixtures.miniLMReady, "models/all-MiniLM-L6-v2 missing: run tools/setup.sh")
    #expect(Fixtures.releaseBuildReady, ".build/release/trainer missing: run swift build -c release")
    #expect(Fixtures.mpirunReady, "mpirun missing: run TRAINER_MPI=1 tools/setup.sh")
    #expect(Fixtures.chromiumReady, "chromium missing: run TRAINER_BROWSER=1 tools/setup.sh")
  }
}
