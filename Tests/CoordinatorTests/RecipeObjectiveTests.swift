import Testing
import Shared
@testable import Coordinator

/// Which objective a recipe trains: stated, named by `loss_type`, or inferred from the keys as the
/// reference's launchers decide; never a default.
struct RecipeObjectiveTests {
    let base = "model: m\ndataset_mixer: {d.jsonl: 1}\n"

    func parse(_ yaml: String, overrides: [String] = []) throws -> Recipe {
        try Recipe.parse(yaml: yaml, source: "recipe.yaml", baseDirectory: "/work/recipes", overrides: overrides, workingDirectory: "/home/me")
    }

    func error(_ yaml: String, overrides: [String] = []) -> RecipeError? {
        do {
            _ = try parse(yaml, overrides: overrides)
            return nil
        } catch {
            return error as? RecipeError
        }
    }

    @Test func aStatedObjectiveIsTrained() throws {
        for kind in ObjectiveKind.allCases {
            #expect(try parse(base + "objective: \(kind.rawValue)\n").objective == kind)
        }
        // Stated on the command line, over keys that would imply another.
        #expect(try parse(base + "max_seq_length: 512\n", overrides: ["objective=ipo"]).objective == .ipo)
    }

    @Test func bfpoKeysMeanBFPOAndMaxSeqLengthMeansSFT() throws {
        for key in ["beta: 0.1", "b1: 2", "alpha: 0.2", "max_length: 512", "max_prompt_length: 32"] {
            #expect(try parse(base + key + "\n").objective == .bfpo, "\(key)")
        }
        let sft = try parse(base + "max_seq_length: 512\n")
        #expect(sft.objective == .sft && sft.maxLength == 512)
        // An override's keys count as the file's do.
        #expect(try parse(base, overrides: ["beta=0.05"]).objective == .bfpo)
    }

    @Test func lossTypeNamesDPOOrIPO() throws {
        #expect(try parse(base + "beta: 0.1\nloss_type: sigmoid\n").objective == .dpo)
        #expect(try parse(base + "beta: 0.1\nloss_type: ipo\n").objective == .ipo)
        #expect(try parse(base + "objective: dpo\nloss_type: sigmoid\n").objective == .dpo)
        #expect(error(base + "loss_type: hinge\n")
                == .wrongType(key: "loss_type", expected: "sigmoid (DPO) or ipo (IPO)", found: "the string \"hinge\"",
                              origin: .file(path: "recipe.yaml", line: 3)))
        #expect(error(base + "objective: bfpo\nloss_type: ipo\n")
                == .objectiveNotGiven(source: "recipe.yaml", reason: "objective is bfpo but loss_type ipo means ipo"))
    }

    @Test func aRecipeThatDoesNotSayIsAnErrorNotBFPO() {
        let none = error(base + "learning_rate: 1e-5\n")
        #expect(none == .objectiveNotGiven(
            source: "recipe.yaml", reason: "it has neither a BFPO recipe's keys (beta, b1, alpha, max_length, max_prompt_length) nor an SFT recipe's (max_seq_length)"))
        #expect(none?.description == "recipe.yaml: the recipe does not say which objective to train (it has neither a BFPO recipe's keys "
                + "(beta, b1, alpha, max_length, max_prompt_length) nor an SFT recipe's (max_seq_length)); add objective: bfpo, dpo, ipo or sft")
        #expect(error(base + "beta: 0.1\nmax_seq_length: 512\n") == .objectiveNotGiven(
            source: "recipe.yaml", reason: "it has beta (keys of a BFPO recipe) and max_seq_length (a key of an SFT recipe)"))
        // A wrong value is named before the objective is asked for.
        #expect(error(base + "learning_rate: -1\n") == .outOfRange(key: "learning_rate", value: "-1.0", requirement: "a positive number"))
        // An explicit null states nothing.
        #expect(error(base + "objective: null\n")?.description.contains("does not say which objective") == true)
    }
}
