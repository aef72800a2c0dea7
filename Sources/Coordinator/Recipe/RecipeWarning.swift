/// A key the recipe sets that is accepted but cannot do here what it does in the reference's tools, said
/// once with where it was set: `recipe.yaml:31: gradient_checkpointing: not used here; …`.
struct RecipeWarning: Equatable, CustomStringConvertible {
    let key: String
    let origin: RecipeError.Origin
    /// Why the key has no effect, or what runs instead.
    let reason: String

    var description: String { "\(origin): \(key): \(reason)" }
}
