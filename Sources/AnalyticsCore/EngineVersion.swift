/// The engine's version, printed by `--version` and recorded in reports.
public enum EngineVersion {
    public static let current = "0.1.0"
}
