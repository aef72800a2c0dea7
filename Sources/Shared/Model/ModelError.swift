/// Errors from building, loading or running a model. Descriptions read as sentences for the user.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case unsupportedConfig(String)
    case missingTensor(name: String, path: String)
    case unexpectedTensor(name: String, path: String)
    case shapeMismatch(name: String, expected: [Int], actual: [Int], path: String)
    case untiedHead(path: String)
    case invalidBatch(String)

    public var description: String {
        switch self {
        case .unsupportedConfig(let reason):
            return "unsupported model configuration: \(reason)"
        case .missingTensor(let name, let path):
            return "\(path): tensor \(name) is missing"
        case .unexpectedTensor(let name, let path):
            return "\(path): tensor \(name) is not part of a GPT-2 model"
        case .shapeMismatch(let name, let expected, let actual, let path):
            return "\(path): tensor \(name) has shape \(actual), expected \(expected)"
        case .untiedHead(let path):
            return "\(path): lm_head.weight differs from transformer.wte.weight; untied language-model heads are unsupported"
        case .invalidBatch(let reason):
            return "invalid batch: \(reason)"
        }
    }
}
