import Shared

extension Recipe {
    /// `report_to` values that apply here: TensorBoard event files, or nothing but `metrics.jsonl`.
    static let appliedReporters: Set<String> = ["tensorboard", "none"]

    /// HF's other integrations: accepted with a warning, because a recipe written for them should still run
    /// (`metrics.jsonl` holds every metric they would have received).
    static let acknowledgedReporters: Set<String> = [
        "all", "azure_ml", "clearml", "codecarbon", "comet_ml", "dagshub", "dvclive", "flyte", "mlflow", "neptune",
        "swanlab", "trackio", "wandb",
    ]

    /// HF's `log_level` names and the logger level each stands for: `critical` is the logger's highest,
    /// and `passive` (HF: leave the library's default) keeps this project's default.
    static let logLevels: [String: Logger.Level] = [
        "debug": .debug, "info": .info, "warning": .warning, "error": .error, "critical": .error, "passive": .info,
    ]

    /// The logger level `log_level` names, or nil when the recipe sets none.
    var loggerLevel: Logger.Level? { logLevel.flatMap { Self.logLevels[$0] } }

    /// Whether the run writes TensorBoard event files: unless `report_to` is `none` (or an empty list).
    /// HF reports to every installed integration by default; here TensorBoard is the one there is, so a
    /// recipe naming only integrations this system lacks (`wandb`, …, each warned about) still gets it.
    var reportsToTensorBoard: Bool {
        guard let reportTo else { return true }
        return !reportTo.isEmpty && !reportTo.contains("none")
    }
}
