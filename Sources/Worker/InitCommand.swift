import ArgumentParser

/// Placeholder, replaced by the model-directory work.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init")
}
