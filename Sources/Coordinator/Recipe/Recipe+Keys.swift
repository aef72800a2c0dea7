extension Recipe {
    /// Keys read while parsing that no field stores: `other_data_config` (the reference's second YAML file,
    /// merged into the recipe) and `loss_type` (TRL's DPO loss, which names the objective).
    static let directives = ["other_data_config", "loss_type"]

    /// Whether a recipe may set `key`: a field, an alias, a directive or a key of another tool
    /// (`inapplicableKeys`).
    static func isKnown(_ key: String) -> Bool {
        fields.contains { $0.key == key } || aliases.contains { $0.0 == key } || directives.contains(key) || inapplicableKey(key) != nil
    }

    /// Every key name a suggestion may offer (prefixes such as `hub_` are not names).
    private static let suggestable: [String] =
        fields.map(\.key) + aliases.map(\.0) + directives + inapplicableKeys.filter { !$0.isPrefix }.map(\.name)

    /// The closest known key, if one is within an edit distance of a third of `key`'s length (1 to 3),
    /// so `learning_rat` suggests `learning_rate` and a key far from every known one suggests nothing.
    static func closestKey(to key: String) -> String? {
        let limit = min(3, max(1, key.count / 3))
        let scored = suggestable.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance over characters.
    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
