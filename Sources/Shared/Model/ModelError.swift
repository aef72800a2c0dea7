import Foundation

/// Errors from building, loading or running a model. Descriptions read as sentences for the user.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case unsupportedConfig(String)
    case missingTensor(name: String, path: String)
    case unexpectedTensor(name: String, path: String)
    case shapeMismatch(name: String, expected: [Int], actual: [Int], path: String)
    case untiedHead(path: String)
    case duplicateTensor(name: String, path: String)
    case nonFiniteParameter(name: String, index: Int, path: String)
    case missingFile(path: String)
    case invalidConfig(path: String, reason: String)
    case parameterCountMismatch(expected: Int, actual: Int)
    case cannotWrite(path: String, reason: String)
    case invalidBatch(String)
    /// A batch's activations would need more memory than the engine may take.
    case workspaceTooLarge(pairs: Int, tokens: Int, bytes: Double, limit: Double)

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
        case .duplicateTensor(let name, let path):
            return "\(path): tensor \(name) appears twice (with and without the transformer. prefix)"
        case .nonFiniteParameter(let name, let index, let path):
            return "\(path): tensor \(name) holds a NaN or infinite value at element \(index)"
        case .missingFile(let path):
            return "\(path) does not exist"
        case .invalidConfig(let path, let reason):
            return "\(path): invalid model configuration: \(reason)"
        case .parameterCountMismatch(let expected, let actual):
            return "the parameter vector holds \(actual) values but the configuration needs \(expected)"
        case .cannotWrite(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .workspaceTooLarge(let pairs, let tokens, let bytes, let limit):
            return String(format: "a batch of %d pairs (%d tokens) needs %.3g GB of activations, more than the %.3g GB allowed",
                          pairs, tokens, bytes / 1e9, limit / 1e9)
        case .invalidBatch(let reason):
            return "invalid batch: \(reason)"
        }
    }
}
