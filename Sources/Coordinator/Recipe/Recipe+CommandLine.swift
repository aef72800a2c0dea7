extension Recipe {
    /// Hugging Face's form of a recipe override, as the reference's launch scripts pass them
    /// (`--learning_rate=5e-7`, `--use_selective=True`), turned into `key=value` overrides. `--key value`
    /// works too, and dashes in the key read as underscores (`--learning-rate`), as in HF's parser.
    ///
    /// - Parameter arguments: what the command's own options left over, in order.
    /// - Throws: `RecipeError.invalidOverride` for an argument that is not a recipe key with a value,
    ///   naming the closest key when one is near.
    static func overrides(fromArguments arguments: [String]) throws -> [String] {
        var overrides: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw RecipeError.invalidOverride(text: argument, reason: "an unexpected argument; recipe keys are given as --key=value")
            }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let key = name.replacingOccurrences(of: "-", with: "_")
            guard isKnown(key) else {
                let hint = closestKey(to: key).map { "; did you mean --\($0)?" } ?? ""
                throw RecipeError.invalidOverride(text: argument, reason: "neither an option of this command nor a recipe key\(hint)")
            }
            if body.contains("=") {
                overrides.append(key + String(body.drop { $0 != "=" }))
            } else if index < arguments.count, !arguments[index].hasPrefix("--") {
                overrides.append("\(key)=\(arguments[index])")
                index += 1
            } else {
                throw RecipeError.invalidOverride(text: argument, reason: "the recipe key has no value; write --\(key)=VALUE")
            }
        }
        return overrides
    }
}
