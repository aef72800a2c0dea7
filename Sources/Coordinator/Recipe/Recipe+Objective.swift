import Shared

extension Recipe {
    /// Keys only the reference's BFPO launcher (`scripts/run_bfpo.py`, its `BFPOConfig`) accepts. Its
    /// argument parser refuses a recipe with keys its dataclasses lack, so a recipe holding one of these runs
    /// only as BFPO there, and one holding `sftKeys` only as SFT (`scripts/run_sft.py`, `SFTConfig`).
    static let bfpoKeys = ["beta", "b1", "alpha", "max_length", "max_prompt_length"]
    static let sftKeys = ["max_seq_length"]

    /// TRL's DPO `loss_type` values (alignment-handbook's DPO recipes) that name an objective here.
    static let lossTypes: [(name: String, objective: ObjectiveKind)] = [("sigmoid", .dpo), ("ipo", .ipo)]

    /// The objective a recipe trains, from its keys as written (file, `other_data_config`, overrides):
    /// `objective` when set; else what `loss_type` names; else BFPO for a recipe with `bfpoKeys` and SFT for
    /// one with `sftKeys`, as the reference's launchers decide. There is no default: training the wrong
    /// objective for a whole run is worse than asking.
    ///
    /// - Throws: `RecipeError.objectiveNotGiven` when nothing decides it or the keys contradict each other;
    ///   `RecipeError.wrongType` for a `loss_type` with no objective here.
    static func inferredObjective(of values: [String: RecipeValue], source: String) throws -> ObjectiveKind {
        let stated = try values["objective"].flatMap { $0.isNull ? nil : try $0.choice(ObjectiveKind.self) }
        let named = try values["loss_type"].flatMap { value -> ObjectiveKind? in
            guard !value.isNull else { return nil }
            let text = try value.string()
            guard let match = lossTypes.first(where: { $0.name == text }) else {
                throw RecipeError.wrongType(key: "loss_type", expected: "sigmoid (DPO) or ipo (IPO)", found: "the string \"\(text)\"",
                                            origin: value.origin)
            }
            return match.objective
        }
        if let stated, let named, stated != named {
            throw RecipeError.objectiveNotGiven(
                source: source, reason: "objective is \(stated.rawValue) but loss_type \(values["loss_type"]!.node.scalar?.string ?? "") means \(named.rawValue)")
        }
        if let decided = stated ?? named { return decided }

        let bfpo = bfpoKeys.filter { values[$0] != nil }
        let sft = sftKeys.filter { values[$0] != nil }
        switch (bfpo.isEmpty, sft.isEmpty) {
        case (false, true): return .bfpo
        case (true, false): return .sft
        case (false, false):
            throw RecipeError.objectiveNotGiven(
                source: source, reason: "it has \(bfpo.joined(separator: ", ")) (keys of a BFPO recipe) and \(sft.joined(separator: ", ")) (a key of an SFT recipe)")
        case (true, true):
            throw RecipeError.objectiveNotGiven(
                source: source, reason: "it has neither a BFPO recipe's keys (\(bfpoKeys.joined(separator: ", "))) nor an SFT recipe's (\(sftKeys.joined(separator: ", ")))")
        }
    }
}
