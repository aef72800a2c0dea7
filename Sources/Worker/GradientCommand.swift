import ArgumentParser

/// Placeholder, replaced by the gradient-engine work.
struct GradientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gradient")
}
