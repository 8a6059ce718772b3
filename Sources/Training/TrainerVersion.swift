/// This trainer's version, written into run metadata (`run.json`) and model cards.
public enum TrainerVersion {
  public static let number = "0.1.0"
}
