import ArgumentParser
import Testing
@testable import Coordinator

/// `bfpo-coordinator train`'s command line: its own options, and recipe keys in Hugging Face's form.
struct TrainCommandTests {
    @Test func recipeKeysInHuggingFacesFormAreCollectedBesideTheOptions() throws {
        let command = try TrainCommand.parse([
            "--recipe", "r.yaml", "--learning_rate=1e-4", "--set", "seed=3", "--beta", "0.2", "--run-dir", "runs/x", "--use_selective=True",
        ])
        #expect(command.recipe == "r.yaml" && command.runDirectory == "runs/x" && command.overrides == ["seed=3"] && command.logLevel == nil)
        #expect(try Recipe.overrides(fromArguments: command.recipeArguments) == ["learning_rate=1e-4", "beta=0.2", "use_selective=True"])
    }

    @Test func anArgumentThatIsNeitherAnOptionNorARecipeKeyIsRefusedWithASuggestion() {
        do {
            _ = try TrainCommand.parse(["--recipe", "r.yaml", "--learning_rat=1e-4"])
            Issue.record("--learning_rat was accepted")
        } catch {
            let message = TrainCommand.message(for: error)
            #expect(message.contains("--learning_rat=1e-4") && message.contains("did you mean --learning_rate?"), "\(message)")
        }
    }
}
