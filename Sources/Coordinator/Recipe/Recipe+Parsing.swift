import Foundation
import Shared
import Yams

extension Recipe {
    /// The recipe in the YAML file at `path`, with `overrides` applied and every value validated.
    ///
    /// - Parameters:
    ///   - overrides: `key=value` strings from the command line; each value is read as a YAML scalar (or
    ///     flow collection: `dataset_mixer={a.jsonl: 0.5}`) and replaces the file's value before
    ///     validation. An empty value is null.
    ///   - workingDirectory: what relative paths in overrides are resolved against; the file's own are
    ///     resolved against its directory.
    ///   - warn: called once per key that is accepted but cannot apply here, in the order the keys were
    ///     given, and only when the recipe is valid.
    /// - Throws: `RecipeError` naming the key, and the line or override, at fault.
    static func load(path: String, overrides: [String] = [],
                     workingDirectory: String = FileManager.default.currentDirectoryPath,
                     warn: (RecipeWarning) -> Void = { _ in }) throws -> Recipe {
        let absolute = RecipeValue.resolve(path, against: workingDirectory)
        return try parse(yaml: try read(path, absolute: absolute), source: path, baseDirectory: (absolute as NSString).deletingLastPathComponent,
                         overrides: overrides, workingDirectory: workingDirectory, warn: warn)
    }

    /// `load` for recipe text already in memory; `source` names it in errors and `baseDirectory` is
    /// what its relative paths are resolved against.
    ///
    /// Layers, each replacing the keys of the one before: the text, the file `other_data_config` names
    /// (the reference's data settings kept apart; its paths are relative to its own directory), the
    /// overrides. Unknown keys of every layer are reported together.
    static func parse(yaml: String, source: String, baseDirectory: String, overrides: [String] = [],
                      workingDirectory: String = FileManager.default.currentDirectoryPath,
                      warn: (RecipeWarning) -> Void = { _ in }) throws -> Recipe {
        var unknown: [RecipeError.UnknownKey] = []
        let file = try entries(of: yaml, source: source, baseDirectory: baseDirectory, unknown: &unknown)
        let commandLine = try overrides.map { try override($0, workingDirectory: workingDirectory, unknown: &unknown) }
        var layers = file
        if let dataConfig = try dataConfigPath(commandLine.last { $0.key == "other_data_config" } ?? file.last { $0.key == "other_data_config" }) {
            layers += try entries(of: try read(dataConfig, absolute: dataConfig), source: dataConfig,
                                  baseDirectory: (dataConfig as NSString).deletingLastPathComponent, unknown: &unknown)
        }
        layers += commandLine
        guard unknown.isEmpty else { throw RecipeError.unknownKeys(unknown) }

        // Keys as written (the objective is inferred from these), in the order first given.
        var written: [String: RecipeValue] = [:]
        var order: [String] = []
        for value in layers {
            if written[value.key] == nil { order.append(value.key) }
            written[value.key] = value
        }
        var warnings: [RecipeWarning] = []
        for key in order {
            guard let entry = inapplicableKey(key), let value = written[key], !value.asksForNothing(besides: entry.inertValues) else { continue }
            if entry.isRefused { throw RecipeError.refusedKey(key: key, origin: value.origin, reason: entry.reason) }
            warnings.append(RecipeWarning(key: key, origin: value.origin, reason: "not used here; " + entry.reason))
        }

        // Keys under their canonical names: a later layer replaces an alias as it replaces the key itself.
        var values: [String: RecipeValue] = [:]
        for value in layers {
            let key = aliases.first { $0.0 == value.key }?.1 ?? value.key
            if let earlier = values[key], earlier.key != value.key, earlier.origin.isSameSource(as: value.origin) {
                throw RecipeError.duplicateKey(key: "\(key) (as its alias \(key == value.key ? earlier.key : value.key))", origin: value.origin)
            }
            values[key] = value
        }
        for key in requiredKeys where values[key].map(\.isNull) ?? true {
            throw RecipeError.missingKey(key: key, source: source)
        }

        var recipe = Recipe(model: "", datasetMixer: [])
        for field in fields where field.key != "objective" {
            if let value = values[field.key] { try field.read(&recipe, value) }
        }
        if values["reference_model"].map(\.isNull) ?? true { recipe.referenceModel = recipe.model }
        try recipe.validate()
        // After the values, so that a wrong value is named before the recipe is asked for its objective.
        recipe.objective = try inferredObjective(of: written, source: source)
        if let reportTo = recipe.reportTo, let origin = values["report_to"]?.origin {
            let unavailable = reportTo.filter { acknowledgedReporters.contains($0) && $0 != "all" }
            if !unavailable.isEmpty {
                warnings.append(RecipeWarning(key: "report_to", origin: origin, reason: unavailable.joined(separator: ", ")
                    + " not available here; every metric is in metrics.jsonl (and in TensorBoard event files with report_to: tensorboard)"))
            }
        }
        warnings.sorted { order.firstIndex(of: $0.key)! < order.firstIndex(of: $1.key)! }.forEach(warn)
        return recipe
    }

    private static func read(_ path: String, absolute: String) throws -> String {
        do {
            return try String(contentsOfFile: absolute, encoding: .utf8)
        } catch {
            throw RecipeError.unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// The top-level entries of one YAML file, in order, with unknown keys added to `unknown`.
    private static func entries(of yaml: String, source: String, baseDirectory: String,
                                unknown: inout [RecipeError.UnknownKey]) throws -> [RecipeValue] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw RecipeError.invalidYAML(source: source, reason: "\(error)")
        }
        guard let root else { return [] }
        guard case .mapping(let mapping) = root else { throw RecipeError.notAMapping(source: source) }
        var entries: [RecipeValue] = []
        for (keyNode, valueNode) in mapping {
            let origin = RecipeValue.origin(of: keyNode, default: .file(path: source, line: nil))
            let key = keyNode.scalar?.string ?? RecipeValue.describe(keyNode)
            guard isKnown(key) else {
                unknown.append(.init(key: key, origin: origin, suggestion: closestKey(to: key)))
                continue
            }
            guard !entries.contains(where: { $0.key == key }) else { throw RecipeError.duplicateKey(key: key, origin: origin) }
            entries.append(RecipeValue(key: key, node: valueNode, origin: origin, baseDirectory: baseDirectory))
        }
        return entries
    }

    /// The file `other_data_config` names, or nil for null, an empty value or the reference's `None`.
    private static func dataConfigPath(_ value: RecipeValue?) throws -> String? {
        guard let value, !value.isNull, let text = value.node.scalar?.string, !["", "None", "none"].contains(text) else { return nil }
        return try value.path()
    }

    /// One `key=value` override as a value to merge; an unknown key is added to `unknown`.
    private static func override(_ text: String, workingDirectory: String, unknown: inout [RecipeError.UnknownKey]) throws -> RecipeValue {
        guard let equals = text.firstIndex(of: "=") else {
            throw RecipeError.invalidOverride(text: text, reason: "it must have the form key=value")
        }
        let key = text[..<equals].trimmingCharacters(in: .whitespaces)
        let valueText = String(text[text.index(after: equals)...])
        guard !key.isEmpty else { throw RecipeError.invalidOverride(text: text, reason: "the key before \"=\" is empty") }
        if !isKnown(key) { unknown.append(.init(key: key, origin: .override(text), suggestion: closestKey(to: key))) }
        let node: Node?
        do {
            node = try Yams.compose(yaml: valueText)
        } catch {
            throw RecipeError.invalidOverride(text: text, reason: "the value is not valid YAML (\(error))")
        }
        return RecipeValue(key: key, node: node ?? Node("null"), origin: .override(text), baseDirectory: workingDirectory)
    }

    // MARK: Output

    /// Every field in `fields` order, defaults filled in and paths absolute: what `runs/NAME/recipe.yaml`
    /// holds. Parsing it gives back this recipe.
    func yaml() throws -> String {
        let mapping = Node.Mapping(Self.fields.compactMap { field in field.write.map { (Node(field.key), $0(self)) } })
        let body = try Yams.serialize(node: .mapping(mapping), width: -1)
        return "# Resolved recipe: every key, defaults filled in, paths absolute.\n" + body
    }
}
