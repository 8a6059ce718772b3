/// What `trainer --version` prints: the package's version (set by hand here) and the git
/// revision of the checkout it was built from, written before each build by the BuildRevision
/// plugin (`git describe --always --dirty`; "unknown" without git).
public enum BuildInfo {
  public static let version = "0.1.0"
  public static let revision = buildRevision

  /// `trainer 0.1.0 (git 43a1b5f0c2e1)`.
  public static var versionLine: String { "trainer \(version) (git \(revision))" }
}
