import BuildInfo

/// The trainer's version, as `trainer --version` prints it (BuildInfo), for run.json and the model card.
public enum TrainerVersion {
  public static let number = BuildInfo.version
}
